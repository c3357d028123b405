import { AUTH_PREFIX, formatServerAuth, parseStationAuth } from '../protocol/auth.js';
import { KEEPALIVE_PREFIX } from '../protocol/control.js';
import type { Admitted } from './admission.js';
import { decideAdmission, type AdmissionDecision } from './admission-policy.js';
import type { ServerParts } from './core.js';
import { returnEndpoint, type Endpoint } from './endpoint.js';
import type { Station } from './registry.js';
import type { Rooms } from './rooms.js';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'admission');

type AdmissionsDeps = Pick<ServerParts, 'config' | 'log' | 'counters' | 'registry' | 'inspector' | 'holds' | 'acl' | 'auth' | 'presence' | 'net' | 'event'> & {
  rooms: Rooms;
  /** Relays one frame of a registered station (the admitting message's frames go this way). */
  relayFrame(st: Station, frame: Buffer, nowMs: number): void;
};

/**
 * A source that is not (yet) a station, with its first clean message: authentication
 * messages are answered, everything else goes through the admission rule
 * (./admission-policy.ts) and the decision is carried out here: refusal told to the
 * source and logged, a move, or a new station registered and its first message relayed.
 */
export class Admissions {
  constructor(private readonly d: AdmissionsDeps) {}

  admit(a: Admitted, nowMs: number): void {
    const text = a.message.kind === 'control' ? a.message.text : null;
    if (text !== null && text.startsWith(AUTH_PREFIX)) {
      this.onAuth(a.callsign, a.stationId, text, a.endpoint, nowMs);
      return;
    }
    // NAT rebinding: the session's tag on a keepalive from a new address:port moves the binding,
    // and so do valid frame tags on any message (a chat line typed at once is not lost).
    if (text !== null && text.startsWith(KEEPALIVE_PREFIX) && this.d.auth.rebind(a.callsign, text, a.endpoint, nowMs) !== null) {
      this.d.log.sessionMoved(a.callsign, a.endpoint.key);
    } else if (this.d.auth.rebindTagged(a.callsign, a.frames, a.endpoint, nowMs) !== null) {
      this.d.log.sessionMoved(a.callsign, a.endpoint.key, 'frames');
    }
    this.enter(a, nowMs);
  }

  /** An authentication message (never relayed): answered to its source only. */
  onAuth(callsign: string, stationId: number, text: string, from: Endpoint, nowMs: number): void {
    const { auth, log, presence, registry } = this.d;
    const m = parseStationAuth(text);
    const out = m === null ? auth.malformed() : auth.onMessage(m, callsign, from, nowMs);
    const to = returnEndpoint(from, this.d.config.referenceReturnPort);
    if (out.kind === 'silent') return;
    presence.sendText(formatServerAuth(out.message), to);
    if (out.kind === 'reply') {
      // Failed responses only: they need a challenge received at that address, so a
      // spoofed flood of requests cannot fill the log.
      if (out.failed !== undefined && m?.type === 'response') log.authFailed(callsign, from.key, out.failed);
      return;
    }
    log.authenticated(callsign, from.key, out.comment);
    const st = registry.get(callsign);
    if (st !== undefined && st.endpoint.key === from.key) {
      presence.verified(st);
      return;
    }
    // Admitted at once (or moved here): the answer to the challenge was the join.
    this.enter({ callsign, stationId, endpoint: from, frames: [], message: { kind: 'control', text: '' } as Admitted['message'] }, nowMs);
  }

  /** The facts the admission rule decides on, gathered from the server's state. */
  private decide(a: Admitted, nowMs: number): AdmissionDecision {
    const { config, registry, holds, acl, auth, net } = this.d;
    const existing = registry.get(a.callsign);
    return decideAdmission({
      nowMs,
      hold: holds.check(a.callsign, nowMs),
      permitted: acl.permits(a.callsign),
      mayUse: auth.mayUse(a.callsign, a.endpoint),
      // A session bound here is proof enough: no hold-down for the station's own move. So is
      // the very address:port it is registered at, arriving on another room's port: that is
      // the station itself choosing that room (README, "Rooms"), not another one taking over.
      provenHere: auth.session(a.callsign)?.endpoint.key === a.endpoint.key || existing?.endpoint.key === a.endpoint.key,
      existing: existing === undefined ? null : { lastSeenMs: existing.lastSeen, endpointKey: existing.endpoint.key },
      remoteServer: existing === undefined ? (net.view?.holder(a.callsign)?.server ?? null) : null,
      stations: registry.size,
      maxStations: config.maxStations,
      hijackHoldDownS: config.hijackHoldDownS,
    });
  }

  private enter(a: Admitted, nowMs: number): void {
    const { config, log, counters, registry, presence, rooms, event } = this.d;
    presence.noteCandidate(a.endpoint, a.callsign, a.message.kind === 'control' ? a.message.text : null, nowMs);
    const decision = this.decide(a, nowMs);
    dbg('%s from %s: %s', a.callsign, a.endpoint.key, decision.admit ? `admitted (${decision.as})` : `refused by ${decision.rule}: ${decision.reason}`);
    if (!decision.admit) {
      if (decision.rule === 'auth') counters.authRefused++;
      if (decision.rule === 'hijack' || decision.rule === 'remote') counters.hijacksRefused++;
      // Told to the source if it speaks the extension; logged only when it is news (a new refusal state).
      if (!presence.refused(a.endpoint, a.callsign, decision.reason, decision.retryAtMs, nowMs)) return;
      const ep = a.endpoint.key;
      switch (decision.rule) {
        case 'hold':
          log.held(a.callsign, ep, decision.reason, decision.retryAtMs, nowMs);
          return;
        case 'acl':
          log.denied(a.callsign, ep);
          return;
        case 'auth':
          log.authRequired(a.callsign, ep);
          return;
        case 'full':
          log.stationLimit(a.callsign, ep, config.maxStations);
          return;
        case 'hijack':
        case 'remote': {
          const holder = decision.holder;
          event({ type: 'hijack_refused', at: nowMs, callsign: a.callsign, endpoint: ep, holder }, () => log.hijackRefused(a.callsign, ep, holder));
          return;
        }
      }
    }
    let st: Station;
    const existing = registry.get(a.callsign);
    if (decision.as === 'moved' && existing !== undefined) {
      const from = decision.fromKey;
      const viaChanged = existing.endpoint.via !== a.endpoint.via;
      existing.endpoint = a.endpoint;
      existing.returnTo = returnEndpoint(a.endpoint, config.referenceReturnPort);
      existing.room.moved();
      // Coming in on another room's port is choosing that room (the only way a reference station can).
      if (viaChanged) rooms.moveTo(existing, rooms.portRoom(a.endpoint), nowMs);
      event({ type: 'endpoint_changed', at: nowMs, callsign: a.callsign, from, to: a.endpoint.key }, () => log.endpointChanged(a.callsign, from, a.endpoint.key));
      st = existing;
    } else {
      const created: Station = {
        callsign: a.callsign,
        stationId: a.stationId,
        endpoint: a.endpoint,
        returnTo: returnEndpoint(a.endpoint, config.referenceReturnPort),
        joinedAt: nowMs,
        lastSeen: nowMs,
        frames: 0,
        bytes: 0,
        byKind: { voice: 0, text: 0, control: 0, data: 0 },
        talking: false,
        lastVoiceAt: 0,
        framesInMessage: 0,
        room: rooms.portRoom(a.endpoint),
      };
      st = created;
      this.d.inspector.forget(st.stationId);
      registry.add(st);
      rooms.join(st, st.room);
      event({ type: 'station_joined', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, room: st.room.name }, () =>
        log.newStation(created.callsign, created.endpoint.key, created.room === rooms.main && rooms.byName.size === 1 ? null : created.room.name),
      );
    }
    // The admitting message is relayed like any other, so the first chat line arrives.
    for (const f of a.frames) {
      if (registry.get(st.callsign) !== st) break; // a BYE in the first message
      this.d.relayFrame(st, f, nowMs);
    }
  }
}
