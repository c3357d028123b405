import type { RemoteInfo } from 'node:dgram';
import { FRAME_SIZE, HEADER_SIZE, hasToken, readStationId } from '../protocol/index.js';
import { AUTH_PREFIX } from '../protocol/auth.js';
import { parseStationExt, SERVER_STATION_ID } from '../protocol/ext.js';
import type { Admissions } from './admissions.js';
import type { ServerParts } from './core.js';
import { makeEndpoint } from './endpoint.js';
import type { Lifecycle } from './lifecycle.js';
import { peekServerBound } from './message-scan.js';
import type { Station } from './registry.js';
import type { Rooms } from './rooms.js';
import type { CallsignCache } from './station-ids.js';

type RelayDeps = Pick<
  ServerParts,
  'config' | 'log' | 'now' | 'counters' | 'registry' | 'gate' | 'inspector' | 'limiter' | 'auth' | 'presence' | 'transport' | 'net' | 'event' | 'refused'
> & { rooms: Rooms; admissions: Admissions; lifecycle: Lifecycle; ids: CallsignCache };

/**
 * The hot path: validate → rate-limit → (registered? relay : offer to the admission gate).
 * A registered station's frame is forwarded as the very Buffer that arrived, byte-for-byte,
 * to its room, before anything else looks at it; then it is inspected for the stats and
 * for messages meant for the server (keepalives, extension and authentication messages).
 */
export class Relay {
  constructor(private readonly d: RelayDeps) {}

  onDatagram(buf: Buffer, rinfo: RemoteInfo, via = 0): void {
    const d = this.d;
    const c = d.counters;
    c.framesReceived++;
    if (buf.length !== FRAME_SIZE || !hasToken(buf)) {
      c.decodeErrors++;
      if (d.config.verbose) d.log.rejected(makeEndpoint(rinfo.address, rinfo.port).key, buf.length !== FRAME_SIZE ? `${buf.length} bytes` : 'bad token');
      return;
    }
    const id = readStationId(buf, 0);
    // Nobody may speak as the server: its id only ever comes from the server itself.
    if (id === SERVER_STATION_ID) {
      c.decodeErrors++;
      return;
    }
    const callsign = d.ids.callsignOf(id);
    if (callsign === null) {
      c.decodeErrors++;
      return;
    }
    const nowMs = d.now();
    const key = rinfo.port + '@' + rinfo.address;
    if (!d.limiter.allow(key, nowMs)) {
      c.rateLimited++;
      d.refused(key);
      return;
    }
    const st = d.registry.get(callsign);
    if (st !== undefined && st.endpoint.port === rinfo.port && st.endpoint.address === rinfo.address && st.endpoint.via === via) {
      this.relayFrame(st, buf, nowMs);
      return;
    }
    const admitted = d.gate.offer(callsign, id, makeEndpoint(rinfo.address, rinfo.port, via), buf);
    if (admitted !== null) d.admissions.admit(admitted, nowMs);
  }

  /** One frame of a registered station. */
  relayFrame(st: Station, buf: Buffer, nowMs: number): void {
    const d = this.d;
    // A session with frame tags: a frame without its next valid tag is forged, altered or
    // replayed (even from the right address:port) and goes nowhere, before anything else.
    if (!d.auth.frameOk(st.callsign, buf, nowMs)) return;
    st.lastSeen = nowMs;
    st.frames++;
    st.bytes += buf.length;
    // Forward first: inspection must never delay the other stations. Only a frame that
    // may carry a message for the server itself (decided from its first bytes: a lone
    // KEEPALIVE goes back to its sender only, an extension message to nobody) is
    // inspected before.
    const bound = d.inspector.atBoundary(st) ? peekServerBound(buf.subarray(HEADER_SIZE)) : st.inServerMessage === true ? 'ext' : null;
    let n = bound === null ? this.forward(st, buf) : 0;
    const seen = d.inspector.inspect(st, buf, nowMs);
    st.inServerMessage = bound === 'ext' && !d.inspector.atBoundary(st);
    if (seen.ext !== null) {
      if (seen.ext.startsWith(AUTH_PREFIX)) {
        d.admissions.onAuth(st.callsign, st.stationId, seen.ext, st.endpoint, nowMs);
        return;
      }
      const req = parseStationExt(seen.ext);
      if (req !== null) d.rooms.onRequest(st, req, nowMs);
      else d.presence.onExtMessage(st, seen.ext, nowMs);
      return;
    }
    if (seen.keepalive !== null) d.auth.noteKeepalive(st.callsign, seen.keepalive);
    if (bound === 'keepalive') {
      if (seen.keepaliveOnly) {
        d.transport.send(buf, st.endpoint);
        d.counters.echoes++;
        return;
      }
      n = this.forward(st, buf);
    }
    // A frame that started like an extension message but is not one whole is dropped:
    // text that claims to be the server's never reaches another station.
    const log = d.log;
    if (d.config.verbose) log.frame(st.callsign, st.endpoint.key, seen.pttStart ? 'ptt_start' : 'frame', n);
    if (seen.pttStart) d.event({ type: 'ptt_start', at: nowMs, callsign: st.callsign, room: st.room.name }, () => log.ptt(st.callsign, 'start', st.room.name));
    if (seen.pttStop) d.event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: st.room.name }, () => log.ptt(st.callsign, 'stop', st.room.name));
    if (seen.bye) d.lifecycle.drop(st, 'bye', nowMs);
  }

  /**
   * Sends the frame, unchanged, to every other destination in the station's room, then
   * (never before: local stations must not wait on the network) to the interlink.
   * Returns how many local destinations.
   */
  private forward(st: Station, buf: Buffer): number {
    const transport = this.d.transport;
    let n = 0;
    const room = st.room;
    const targets = room.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (t === st || t.returnTo.key === st.returnTo.key) continue;
      transport.send(buf, t.returnTo);
      n++;
    }
    this.d.counters.framesForwarded += n;
    room.framesReceived++;
    room.framesForwarded += n;
    this.d.net.uplink?.publishFrame(room.name, buf);
    return n;
  }
}
