import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { RoomStats, ServerEvent, ServerStats } from '../contract/stats.js';
import { FRAME_SIZE, HEADER_SIZE, hasToken, readStationId, tryDecodeCallsign } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { AccessList, checkCallsign } from './acl.js';
import { AdmissionGate, type Admitted } from './admission.js';
import type { ServerConfig } from './config.js';
import { makeEndpoint, type Endpoint } from './endpoint.js';
import { Inspector } from './inspector.js';
import { peekServerBound } from './message-scan.js';
import { OperatorLog } from './log.js';
import { RateLimiter } from './rate-limit.js';
import { Registry, stationStats, type Station } from './registry.js';
import { DEFAULT_ROOM, parseStationExt, SERVER_STATION_ID, type RefusalReason, type RoomCount, type StationExtRequest } from '../protocol/ext.js';
import { ConfigError } from './config.js';
import type { NetworkView, Uplink } from './network-port.js';
import type { HoldAction, PresenceStation } from './interlink-presence.js';
import { Room } from './room.js';
import { defaultStateDir, Holds, type BanEntry } from './holds.js';
import { Presence } from './presence.js';
import { AUTH_PREFIX, formatServerAuth, parseStationAuth } from '../protocol/auth.js';
import { StationAuthority } from './auth.js';
import { readAuthorizedKeys } from './authorized-keys.js';

export interface Counters {
  framesReceived: number;
  framesForwarded: number;
  decodeErrors: number;
  rateLimited: number;
  timedOut: number;
  hijacksRefused: number;
  echoes: number;
  /** Frames of protected callsigns refused for want of an authenticated session. */
  authRefused: number;
  /** Frames from other servers not relayed: not a frame, an unknown room, or a callsign that is the server's or one of this server's own. */
  remoteRejected: number;
}

export interface ConferenceServerEvents {
  event: ServerEvent;
}

export type AdminOutcome = { ok: true; message: string } | { ok: false; status: number; message: string };

const MAX_ID_CACHE = 100_000;

interface Listener {
  socket: Socket;
  room: Room;
}

/** A room's port could not be bound: says which room and port, in words. */
class PortError extends ConfigError {
  constructor(room: Room, e: NodeJS.ErrnoException, main: boolean) {
    const which = main ? '' : ` (room ${room.name})`;
    const port = String(room.port);
    super(
      e.code === 'EADDRINUSE'
        ? `UDP port ${port}${which} is already in use (another server running?)`
        : `cannot listen on UDP port ${port}${which}: ${e.message}`,
    );
  }
}

/**
 * The conference relay: one UDP socket; validate → rate-limit → admit → forward →
 * inspect. Frames are forwarded as the very Buffer that arrived, byte-for-byte.
 */
export class ConferenceServer extends TypedEmitter<ConferenceServerEvents> {
  readonly counters: Counters = {
    framesReceived: 0,
    framesForwarded: 0,
    decodeErrors: 0,
    rateLimited: 0,
    timedOut: 0,
    hijacksRefused: 0,
    echoes: 0,
    authRefused: 0,
    remoteRejected: 0,
  };
  /** Station authentication (docs/EXTENSIONS.md): sessions bind protected callsigns to an endpoint. */
  readonly auth: StationAuthority;
  private keysWatcher: FSWatcher | null = null;
  private keysTimer: NodeJS.Timeout | null = null;
  readonly registry = new Registry();
  private readonly gate = new AdmissionGate();
  private readonly inspector = new Inspector();
  private readonly limiter: RateLimiter;
  private readonly acl: AccessList;
  /** Bans (persisted) and kick hold-downs. */
  readonly holds: Holds;
  /** The opv extension: roster, refusal reasons, announcements (docs/EXTENSIONS.md). */
  readonly presence: Presence;
  private readonly idCache = new Map<number, string | null>();
  /** Kind totals of stations that have left, so the server totals never go backwards. */
  private readonly departedByKind = { voice: 0, text: 0, control: 0, data: 0 };
  /** One UDP socket per port: [0] the main port (room MAIN), then one per room with a port. */
  private listeners: Listener[] = [];
  /** Rooms by name: the main port's first. */
  readonly rooms = new Map<string, Room>();
  private readonly mainRoom: Room;
  /** Frames of local stations go out here too (the NATS interlink), after the local fan-out. */
  private uplink: Uplink | null = null;
  /** The other servers' stations (shared presence over NATS); null when this server runs alone. */
  private network: NetworkView | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly startedAt: number;
  boundPort = 0;
  boundAddress = '';

  constructor(
    readonly config: ServerConfig,
    readonly log: OperatorLog,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.limiter = new RateLimiter(config.rateFps, config.burst);
    this.acl = new AccessList([...config.allow], [...config.deny], config.aclFile);
    this.startedAt = now();
    this.mainRoom = new Room(DEFAULT_ROOM, config.port);
    this.rooms.set(DEFAULT_ROOM, this.mainRoom);
    for (const r of config.rooms) this.rooms.set(r.name, new Room(r.name, r.port));
    this.holds = new Holds(config.stateDir ?? defaultStateDir());
    this.auth = new StationAuthority(config.auth);
    this.presence = new Presence({
      registry: this.registry,
      send: (b, to) => this.send(b, to),
      returnTo: (from) => this.returnEndpoint(from),
      timeoutS: config.timeoutS,
      authenticated: (st) => this.auth.session(st.callsign)?.endpoint.key === st.endpoint.key,
      remoteRoster: (room, nowMs) => this.network?.rosterOf(room, nowMs) ?? [],
      roomCounts: () => this.roomCounts(),
    });
  }

  async start(): Promise<void> {
    const bound: Listener[] = [];
    try {
      for (const room of this.rooms.values()) {
        if (room.port === null) continue;
        const via = bound.length;
        const socket = await bindSocket(this.config.host, room.port).catch((e: NodeJS.ErrnoException) => {
          throw new PortError(room, e, room === this.mainRoom);
        });
        room.port = socket.address().port;
        bound.push({ socket, room });
        socket.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo, via));
        // A send error (e.g. ICMP unreachable reported on the socket) must never stop the relay.
        socket.on('error', (err) => this.log.warn(`socket error (room ${room.name}): ${err.message}`));
      }
    } catch (e) {
      for (const l of bound) l.socket.close();
      throw e;
    }
    this.listeners = bound;
    const a = bound[0]!.socket.address();
    this.boundPort = a.port;
    this.boundAddress = a.address;
    this.sweepTimer = setInterval(() => this.sweep(), 1000);
    if (this.config.statsIntervalS > 0) {
      this.statsTimer = setInterval(() => this.log.statistics(this.snapshot(), false), this.config.statsIntervalS * 1000);
    }
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.sweepTimer = this.statsTimer = null;
    const ls = this.listeners;
    this.listeners = [];
    await Promise.all(ls.map((l) => new Promise<void>((resolve) => l.socket.close(() => resolve()))));
  }

  /** Links this server with the others: frames out through the uplink, decisions by the shared presence. */
  attachNetwork(uplink: Uplink, view: NetworkView): void {
    this.uplink = uplink;
    this.network = view;
    for (const r of this.rooms.values()) if (r.size > 0) uplink.setInterest(r.name, true);
  }

  /** The hot path (public so the benchmark can time it in-process). */
  onDatagram(buf: Buffer, rinfo: RemoteInfo, via = 0): void {
    const c = this.counters;
    c.framesReceived++;
    if (buf.length !== FRAME_SIZE || !hasToken(buf)) {
      c.decodeErrors++;
      if (this.config.verbose) this.log.rejected(makeEndpoint(rinfo.address, rinfo.port).key, buf.length !== FRAME_SIZE ? `${buf.length} bytes` : 'bad token');
      return;
    }
    const id = readStationId(buf, 0);
    // Nobody may speak as the server: its id only ever comes from the server itself.
    if (id === SERVER_STATION_ID) {
      c.decodeErrors++;
      return;
    }
    const callsign = this.callsignOf(id);
    if (callsign === null) {
      c.decodeErrors++;
      return;
    }
    const nowMs = this.now();
    const key = rinfo.port + '@' + rinfo.address;
    if (!this.limiter.allow(key, nowMs)) {
      c.rateLimited++;
      return;
    }
    const st = this.registry.get(callsign);
    if (st !== undefined && st.endpoint.port === rinfo.port && st.endpoint.address === rinfo.address && st.endpoint.via === via) {
      this.relay(st, buf, nowMs);
      return;
    }
    const admitted = this.gate.offer(callsign, id, makeEndpoint(rinfo.address, rinfo.port, via), buf);
    if (admitted !== null) this.admit(admitted, nowMs);
  }

  /** A station id → its callsign (null: not a valid base-40 callsign), cached: the hot path decodes each id once. */
  private callsignOf(id: number): string | null {
    let callsign = this.idCache.get(id);
    if (callsign === undefined) {
      const d = tryDecodeCallsign(id);
      callsign = d.ok ? d.value : null;
      if (this.idCache.size >= MAX_ID_CACHE) this.idCache.clear();
      this.idCache.set(id, callsign);
    }
    return callsign;
  }

  private relay(st: Station, buf: Buffer, nowMs: number): void {
    // A session with frame tags: a frame without its next valid tag is forged, altered or
    // replayed (even from the right address:port) and goes nowhere, before anything else.
    if (!this.auth.frameOk(st.callsign, buf, nowMs)) return;
    st.lastSeen = nowMs;
    st.frames++;
    st.bytes += buf.length;
    // Forward first: inspection must never delay the other stations. Only a frame that
    // may carry a message for the server itself (decided from its first bytes: a lone
    // KEEPALIVE goes back to its sender only, an extension message to nobody) is
    // inspected before.
    const bound = this.inspector.atBoundary(st) ? peekServerBound(buf.subarray(HEADER_SIZE)) : st.inServerMessage === true ? 'ext' : null;
    let n = bound === null ? this.forward(st, buf) : 0;
    const seen = this.inspector.inspect(st, buf, nowMs);
    st.inServerMessage = bound === 'ext' && !this.inspector.atBoundary(st);
    if (seen.ext !== null) {
      if (seen.ext.startsWith(AUTH_PREFIX)) {
        this.onAuth(st.callsign, st.stationId, seen.ext, st.endpoint, nowMs);
        return;
      }
      const req = parseStationExt(seen.ext);
      if (req !== null) this.onStationRequest(st, req, nowMs);
      else this.presence.onExtMessage(st, seen.ext, nowMs);
      return;
    }
    if (seen.keepalive !== null) this.auth.noteKeepalive(st.callsign, seen.keepalive);
    if (bound === 'keepalive') {
      if (seen.keepaliveOnly) {
        this.send(buf, st.endpoint);
        this.counters.echoes++;
        return;
      }
      n = this.forward(st, buf);
    }
    // A frame that started like an extension message but is not one whole is dropped:
    // text that claims to be the server's never reaches another station.
    if (this.config.verbose) this.log.frame(st.callsign, st.endpoint.key, seen.pttStart ? 'ptt_start' : 'frame', n);
    if (seen.pttStart) this.event({ type: 'ptt_start', at: nowMs, callsign: st.callsign, room: st.room.name }, () => this.log.ptt(st.callsign, 'start', st.room.name));
    if (seen.pttStop) this.event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: st.room.name }, () => this.log.ptt(st.callsign, 'stop', st.room.name));
    if (seen.bye) this.drop(st, 'bye', nowMs);
  }

  /**
   * Sends the frame, unchanged, to every other destination in the station's room, then
   * (never before: local stations must not wait on the network) to the interlink.
   * Returns how many local destinations.
   */
  private forward(st: Station, buf: Buffer): number {
    let n = 0;
    const room = st.room;
    const targets = room.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (t === st || t.returnTo.key === st.returnTo.key) continue;
      this.send(buf, t.returnTo);
      n++;
    }
    this.counters.framesForwarded += n;
    room.framesReceived++;
    room.framesForwarded += n;
    this.uplink?.publishFrame(room.name, buf);
    return n;
  }

  /**
   * A frame of another server's station (over NATS): to this server's stations in the room
   * only, never back out (split horizon). Returns how many destinations.
   */
  deliverRemote(roomName: string, buf: Buffer, origin: string): number {
    const room = this.rooms.get(roomName);
    const id = buf.length === FRAME_SIZE && hasToken(buf) ? readStationId(buf, 0) : SERVER_STATION_ID;
    const callsign = id === SERVER_STATION_ID ? null : this.callsignOf(id);
    // Another server's frame never speaks as this server or as one of its own stations
    // (a peer that is buggy, stale or not ours), and each of its stations gets the same
    // rate limit as a local source: the network is trusted no more than a station.
    if (room === undefined || callsign === null || this.registry.get(callsign) !== undefined) {
      this.counters.remoteRejected++;
      return 0;
    }
    if (!this.limiter.allow(origin + '/' + callsign, this.now())) {
      this.counters.rateLimited++;
      return 0;
    }
    room.framesFromInterlink++;
    const targets = room.targets;
    for (let i = 0; i < targets.length; i++) this.send(buf, targets[i]!.returnTo);
    room.framesForwarded += targets.length;
    this.counters.framesForwarded += targets.length;
    return targets.length;
  }

  private send(buf: Buffer, to: Endpoint): void {
    this.listeners[to.via]?.socket.send(buf, to.port, to.address);
  }

  private admit(a: Admitted, nowMs: number): void {
    const text = a.message.kind === 'control' ? a.message.text : null;
    if (text !== null && text.startsWith(AUTH_PREFIX)) {
      this.onAuth(a.callsign, a.stationId, text, a.endpoint, nowMs);
      return;
    }
    // NAT rebinding: the session's tag on a keepalive from a new address:port moves the binding.
    if (text !== null && text.startsWith('KEEPALIVE:') && this.auth.rebind(a.callsign, text, a.endpoint, nowMs) !== null) {
      this.log.sessionMoved(a.callsign, a.endpoint.key);
    }
    this.enter(a, nowMs);
  }

  /** An authentication message (never relayed): answered to its source only. */
  private onAuth(callsign: string, stationId: number, text: string, from: Endpoint, nowMs: number): void {
    const m = parseStationAuth(text);
    const out = m === null ? this.auth.malformed() : this.auth.onMessage(m, callsign, from, nowMs);
    const to = this.returnEndpoint(from);
    if (out.kind === 'silent') return;
    this.presence.sendText(formatServerAuth(out.message), to);
    if (out.kind === 'reply') {
      // Failed responses only: they need a challenge received at that address, so a
      // spoofed flood of requests cannot fill the log.
      if (out.failed !== undefined && m?.type === 'response') this.log.authFailed(callsign, from.key, out.failed);
      return;
    }
    this.log.authenticated(callsign, from.key, out.comment);
    const st = this.registry.get(callsign);
    if (st !== undefined && st.endpoint.key === from.key) {
      this.presence.verified(st);
      return;
    }
    // Admitted at once (or moved here): the answer to the challenge was the join.
    this.enter({ callsign, stationId, endpoint: from, frames: [], message: { kind: 'control', text: '' } as Admitted['message'] }, nowMs);
  }

  private enter(a: Admitted, nowMs: number): void {
    const existing = this.registry.get(a.callsign);
    this.presence.noteCandidate(a.endpoint, a.callsign, a.message.kind === 'control' ? a.message.text : null, nowMs);
    const hold = this.holds.check(a.callsign, nowMs);
    if (hold !== null) {
      if (this.refuse(a, hold.reason, hold.until, nowMs)) this.log.held(a.callsign, a.endpoint.key, hold.reason, hold.until);
      return;
    }
    if (!this.acl.permits(a.callsign)) {
      if (this.refuse(a, 'not_allowed', null, nowMs)) this.log.denied(a.callsign, a.endpoint.key);
      return;
    }
    if (!this.auth.mayUse(a.callsign, a.endpoint)) {
      this.counters.authRefused++;
      if (this.refuse(a, 'auth_required', null, nowMs)) this.log.authRequired(a.callsign, a.endpoint.key);
      return;
    }
    // A session bound here is proof enough: no hold-down for the station's own move.
    const provenHere = this.auth.session(a.callsign)?.endpoint.key === a.endpoint.key;
    let st: Station;
    if (existing !== undefined) {
      if (!provenHere && nowMs - existing.lastSeen < this.config.hijackHoldDownS * 1000) {
        this.counters.hijacksRefused++;
        if (this.refuse(a, 'in_use', existing.lastSeen + this.config.hijackHoldDownS * 1000, nowMs)) {
          this.event(
            { type: 'hijack_refused', at: nowMs, callsign: a.callsign, endpoint: a.endpoint.key, holder: existing.endpoint.key },
            () => this.log.hijackRefused(a.callsign, a.endpoint.key, existing.endpoint.key),
          );
        }
        return;
      }
      const from = existing.endpoint.key;
      const viaChanged = existing.endpoint.via !== a.endpoint.via;
      existing.endpoint = a.endpoint;
      existing.returnTo = this.returnEndpoint(a.endpoint);
      existing.room.moved();
      // Coming in on another room's port is choosing that room (the only way a reference station can).
      if (viaChanged) this.moveToRoom(existing, this.portRoom(a.endpoint), nowMs);
      this.event({ type: 'endpoint_changed', at: nowMs, callsign: a.callsign, from, to: a.endpoint.key }, () =>
        this.log.endpointChanged(a.callsign, from, a.endpoint.key),
      );
      st = existing;
    } else {
      const remote = this.network?.holder(a.callsign);
      if (remote !== undefined) {
        // The network-wide hijack rule: the callsign is active on another server.
        this.counters.hijacksRefused++;
        if (this.refuse(a, 'in_use', nowMs + this.config.hijackHoldDownS * 1000, nowMs)) {
          const holder = `server ${remote.server}`;
          this.event({ type: 'hijack_refused', at: nowMs, callsign: a.callsign, endpoint: a.endpoint.key, holder }, () =>
            this.log.hijackRefused(a.callsign, a.endpoint.key, holder),
          );
        }
        return;
      }
      if (this.registry.size >= this.config.maxStations) {
        if (this.refuse(a, 'full', null, nowMs)) this.log.stationLimit(a.callsign, a.endpoint.key, this.config.maxStations);
        return;
      }
      st = {
        callsign: a.callsign,
        stationId: a.stationId,
        endpoint: a.endpoint,
        returnTo: this.returnEndpoint(a.endpoint),
        joinedAt: nowMs,
        lastSeen: nowMs,
        frames: 0,
        bytes: 0,
        byKind: { voice: 0, text: 0, control: 0, data: 0 },
        talking: false,
        lastVoiceAt: 0,
        framesInMessage: 0,
        room: this.portRoom(a.endpoint),
      };
      this.inspector.forget(st.stationId);
      this.registry.add(st);
      this.join(st, st.room);
      this.event({ type: 'station_joined', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, room: st.room.name }, () =>
        this.log.newStation(st.callsign, st.endpoint.key, st.room === this.mainRoom && this.rooms.size === 1 ? null : st.room.name),
      );
    }
    // The admitting message is relayed like any other, so the first chat line arrives.
    for (const f of a.frames) {
      if (this.registry.get(st.callsign) !== st) break; // a BYE in the first message
      this.relay(st, f, nowMs);
    }
  }

  private returnEndpoint(from: Endpoint): Endpoint {
    return this.config.referenceReturnPort === null ? from : makeEndpoint(from.address, this.config.referenceReturnPort, from.via);
  }

  /** The room of the port a source came in on. */
  private portRoom(e: Endpoint): Room {
    return this.listeners[e.via]?.room ?? this.mainRoom;
  }

  private join(st: Station, room: Room): void {
    st.room = room;
    room.add(st);
    if (room.size === 1) this.uplink?.setInterest(room.name, true);
  }

  private leaveRoom(st: Station): void {
    const room = st.room;
    room.remove(st);
    if (room.size === 0) this.uplink?.setInterest(room.name, false);
  }

  /** Moves a station to another room: it hears only that room from its next frame on. */
  private moveToRoom(st: Station, to: Room, nowMs: number): void {
    const from = st.room;
    if (from === to) return;
    if (st.talking) {
      st.talking = false;
      this.event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: from.name }, () => this.log.ptt(st.callsign, 'stop', from.name));
    }
    this.leaveRoom(st);
    this.join(st, to);
    this.event({ type: 'room_changed', at: nowMs, callsign: st.callsign, from: from.name, to: to.name }, () => this.log.roomChanged(st.callsign, from.name, to.name));
  }

  /** A station's extension request (docs/EXTENSIONS.md, Rooms): consumed, never relayed. */
  private onStationRequest(st: Station, req: StationExtRequest, nowMs: number): void {
    if (req.type === 'rooms') {
      this.presence.sendRooms(st, this.roomCounts());
      return;
    }
    const to = this.rooms.get(req.room);
    if (to === undefined) {
      this.presence.noRoom(st, req.room);
      return;
    }
    this.moveToRoom(st, to, nowMs);
    this.presence.inRoom(st, nowMs);
  }

  /** Rooms with their stations, here and (interlinked) elsewhere. */
  roomCounts(): RoomCount[] {
    const remote = this.network?.countByRoom() ?? new Map<string, number>();
    return [...this.rooms.values()].map((r) => ({ room: r.name, stations: r.size + (remote.get(r.name) ?? 0) }));
  }

  /** Tells the source why (if it speaks the extension); true when the log should say it (a new state). */
  private refuse(a: Admitted, reason: RefusalReason, retryAtMs: number | null, nowMs: number): boolean {
    return this.presence.refused(a.endpoint, a.callsign, reason, retryAtMs, nowMs);
  }

  private forget(st: Station): void {
    this.registry.remove(st.callsign);
    this.leaveRoom(st);
    this.auth.endSession(st.callsign);
    this.inspector.forget(st.stationId);
    for (const k of ['voice', 'text', 'control', 'data'] as const) this.departedByKind[k] += st.byKind[k];
  }

  private drop(st: Station, reason: 'bye' | 'kicked' | 'banned', nowMs: number): void {
    this.forget(st);
    this.event({ type: 'station_left', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, reason, room: st.room.name }, () =>
      this.log.left(st.callsign, st.endpoint.key, reason),
    );
  }

  private sweep(): void {
    const nowMs = this.now();
    for (const st of [...this.registry.all()]) {
      const idle = nowMs - st.lastSeen;
      if (idle >= this.config.timeoutS * 1000) {
        this.forget(st);
        this.counters.timedOut++;
        const idleS = Math.round(idle / 1000);
        this.event({ type: 'station_timeout', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, idle_s: idleS, room: st.room.name }, () =>
          this.log.timeout(st.callsign, st.endpoint.key, idleS),
        );
      } else if (this.inspector.silenced(st, nowMs)) {
        this.event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: st.room.name }, () => this.log.ptt(st.callsign, 'stop', st.room.name));
      }
    }
    this.limiter.evictIdle(nowMs);
    this.presence.tick(nowMs);
    this.auth.sweep(nowMs);
  }

  private event(e: ServerEvent, logIt: () => void): void {
    logIt();
    this.presence.onEvent(e, e.at);
    this.emit('event', e);
  }

  kick(callsign: string): AdminOutcome {
    const st = this.registry.get(callsign);
    const remote = st === undefined ? this.network?.holder(callsign) : undefined;
    if (!st && remote === undefined) return { ok: false, status: 404, message: `${callsign} is not connected` };
    const nowMs = this.now();
    const until = nowMs + this.config.kickHoldDownS * 1000;
    this.holds.kick(callsign, until);
    // Every server keeps it out for the hold-down, so it cannot hop to the next one.
    this.network?.shareHold('kick', callsign, until);
    if (st) {
      this.presence.tellStation(st, 'kicked', until);
      this.drop(st, 'kicked', nowMs);
    }
    const where = remote !== undefined ? ` on server ${remote.server}` : '';
    return { ok: true, message: `${callsign} kicked${where} (kept out for ${this.config.kickHoldDownS} s${this.network ? ' on every server' : ''})` };
  }

  /** Kept out until unbanned, across restarts (the state directory's bans.json). */
  ban(callsign: string): AdminOutcome {
    const c = checkCallsign(callsign);
    if (!c.ok) return { ok: false, status: 400, message: c.reason };
    const nowMs = this.now();
    try {
      this.holds.ban(c.callsign, nowMs);
    } catch (e) {
      return { ok: false, status: 500, message: `ban not saved: ${(e as Error).message}` };
    }
    this.network?.shareHold('ban', c.callsign, null);
    const st = this.registry.get(c.callsign);
    if (st) {
      this.presence.tellStation(st, 'banned', null);
      this.drop(st, 'banned', nowMs);
    }
    return { ok: true, message: `${c.callsign} banned${st ? ' and disconnected' : ''}${this.network ? ' on every server' : ''}` };
  }

  unban(callsign: string): AdminOutcome {
    let had: boolean;
    try {
      had = this.holds.unban(callsign);
    } catch (e) {
      return { ok: false, status: 500, message: `unban not saved: ${(e as Error).message}` };
    }
    // Unbanned everywhere, even if this server had no record of it (it may have missed the ban).
    this.network?.shareHold('unban', callsign, null);
    if (!had) return { ok: false, status: 404, message: `${callsign} is not banned${this.network ? ' here (unbanned on the other servers)' : ''}` };
    this.log.unbanned(callsign);
    const still = this.acl.permits(callsign) ? '' : ' (still denied by the access list)';
    return { ok: true, message: `${callsign} unbanned${still}` };
  }

  /** A kick, ban or unban decided on another server of the network: applied here, never passed on. */
  applyHold(action: HoldAction, callsign: string, untilMs: number | null, fromServer: string): void {
    const nowMs = this.now();
    const st = this.registry.get(callsign);
    try {
      if (action === 'unban') {
        if (this.holds.unban(callsign)) this.log.unbanned(`${callsign} (by server ${fromServer})`);
        return;
      }
      if (action === 'kick') this.holds.kick(callsign, untilMs ?? nowMs + this.config.kickHoldDownS * 1000);
      else this.holds.ban(callsign, nowMs);
    } catch (e) {
      this.log.warn(`${action} of ${callsign} from server ${fromServer} not saved: ${(e as Error).message}`);
    }
    if (st) {
      this.presence.tellStation(st, action === 'kick' ? 'kicked' : 'banned', action === 'kick' ? untilMs : null);
      this.drop(st, action === 'kick' ? 'kicked' : 'banned', nowMs);
    }
  }

  /** An event the network learned (remote stations, the link's state): logged by the network, told to stations and the stats channel here. */
  networkEvent(e: ServerEvent): void {
    this.event(e, () => undefined);
  }

  /** When a local station joined (ms since epoch), or null when the callsign is not here. */
  localJoin(callsign: string): number | null {
    return this.registry.get(callsign)?.joinedAt ?? null;
  }

  /**
   * The callsign was admitted on another server too, and the network's rule gives it
   * to that one: the station here is told (in_use) and dropped.
   */
  dropDuplicate(callsign: string, holder: string): void {
    const st = this.registry.get(callsign);
    if (st === undefined) return;
    const nowMs = this.now();
    this.counters.hijacksRefused++;
    this.presence.tellStation(st, 'in_use', nowMs + this.config.hijackHoldDownS * 1000);
    this.forget(st);
    this.event({ type: 'station_left', at: nowMs, callsign, endpoint: st.endpoint.key, reason: 'kicked', room: st.room.name }, () =>
      this.log.duplicate(callsign, st.endpoint.key, holder),
    );
  }

  /** This server's stations, for the network's presence snapshot. */
  localPresence(): PresenceStation[] {
    const nowMs = this.now();
    return [...this.registry.all()].map((s) => ({
      callsign: s.callsign,
      room: s.room.name,
      talking: s.talking,
      connected_s: Math.max(0, Math.round((nowMs - s.joinedAt) / 1000)),
      joined_at: s.joinedAt,
      auth: this.isAuthenticated(s.callsign),
    }));
  }

  /** The local station `callsign` proved its key here (the network believes a protected callsign only from such a server). */
  isAuthenticated(callsign: string): boolean {
    const st = this.registry.get(callsign);
    return st !== undefined && this.auth.session(callsign)?.endpoint.key === st.endpoint.key;
  }

  /** `callsign` has a key in this server's authorized-keys file. */
  isProtected(callsign: string): boolean {
    return this.auth.protects(callsign);
  }

  bans(): BanEntry[] {
    return this.holds.list();
  }

  /** A sysop announcement to every opv station (reference stations cannot show it). */
  announce(text: string): AdminOutcome {
    const r = this.presence.announce(text);
    if (!r.text) return { ok: false, status: 400, message: 'announcement text is empty' };
    this.log.announcement(r.text, r.sent);
    return { ok: true, message: `announced to ${r.sent} station${r.sent === 1 ? '' : 's'}` };
  }

  reloadAcl(): void {
    try {
      const r = this.acl.reload();
      this.log.aclReloaded(r.allow, r.deny);
      for (const st of [...this.registry.all()]) if (!this.acl.permits(st.callsign)) this.drop(st, 'banned', this.now());
    } catch (e) {
      this.log.warn(`access list not reloaded: ${(e as Error).message}`);
    }
  }

  /** Reads the authorized-keys file (a ConfigError naming file:line if it is bad). */
  loadKeys(): void {
    const file = this.config.authorizedKeys;
    if (file === null) return;
    this.auth.setKeys(readAuthorizedKeys(file));
    this.log.keysReloaded(this.auth.callsignCount, this.auth.keyCount);
    // A callsign that became protected (or whose key was removed) is off until it proves itself.
    for (const st of [...this.registry.all()]) {
      if (this.auth.mayUse(st.callsign, st.endpoint)) continue;
      this.presence.tellStation(st, 'auth_required', null);
      this.log.authRequired(st.callsign, st.endpoint.key);
      this.drop(st, 'kicked', this.now());
    }
  }

  reloadKeys(): void {
    try {
      this.loadKeys();
    } catch (e) {
      this.log.warn(`authorized keys not reloaded (the previous keys stay in force): ${(e as Error).message}`);
    }
  }

  /** Re-reads the keys file when it changes (its directory is watched: editors replace files). */
  watchKeys(): void {
    const file = this.config.authorizedKeys;
    if (file === null || this.keysWatcher !== null) return;
    const base = path.basename(file);
    try {
      this.keysWatcher = watch(path.dirname(path.resolve(file)), (_ev, name) => {
        if (name !== null && name !== base) return;
        if (this.keysTimer) clearTimeout(this.keysTimer);
        this.keysTimer = setTimeout(() => this.reloadKeys(), 200);
      });
      this.keysWatcher.on('error', (e) => this.log.warn(`authorized keys no longer watched: ${e.message} (SIGHUP still reloads)`));
    } catch (e) {
      this.log.warn(`authorized keys not watched: ${(e as Error).message} (SIGHUP reloads)`);
    }
  }

  unwatchKeys(): void {
    this.keysWatcher?.close();
    this.keysWatcher = null;
    if (this.keysTimer) clearTimeout(this.keysTimer);
    this.keysTimer = null;
  }

  private roomStats(): RoomStats[] {
    const remote = this.network?.countByRoom();
    return [...this.rooms.values()].map((r) => {
      const talking: string[] = [];
      for (const s of r.all()) if (s.talking) talking.push(s.callsign);
      return {
        name: r.name,
        port: r.port,
        stations: r.size,
        remote_stations: remote?.get(r.name) ?? 0,
        frames_received: r.framesReceived,
        frames_forwarded: r.framesForwarded,
        frames_from_interlink: r.framesFromInterlink,
        talking: [...talking, ...(this.network?.talkingIn(r.name) ?? [])],
      };
    });
  }

  snapshot(): ServerStats {
    const nowMs = this.now();
    const c = this.counters;
    const stations = [...this.registry.all()].map((s) => stationStats(s, nowMs, this.config.timeoutS, this.auth.session(s.callsign)?.endpoint.key === s.endpoint.key));
    const sum = (k: 'voice' | 'text' | 'control' | 'data'): number => {
      let n = 0;
      for (const s of this.registry.all()) n += s.byKind[k];
      return n + this.departedByKind[k];
    };
    return {
      uptime_s: Math.round((nowMs - this.startedAt) / 1000),
      frames_received: c.framesReceived,
      frames_forwarded: c.framesForwarded,
      // Junk datagrams, refused first messages, and broken messages of registered stations.
      decode_errors: c.decodeErrors + this.gate.rejectedMessages + this.inspector.decodeErrors,
      rate_limited: c.rateLimited,
      timed_out_stations: c.timedOut,
      active_stations: this.registry.size,
      voice_frames: sum('voice'),
      text_frames: sum('text'),
      control_frames: sum('control'),
      data_frames: sum('data'),
      hijacks_refused: c.hijacksRefused,
      auth_failures: this.auth.failures,
      auth_tag_failures: this.auth.tagFailures,
      timeout_s: this.config.timeoutS,
      stations,
      rooms: this.roomStats(),
      remote_stations: this.network?.remoteStations(nowMs) ?? [],
      interlink: this.network?.stats(nowMs) ?? null,
    };
  }
}

async function bindSocket(host: string, port: number): Promise<Socket> {
  const tryBind = (type: 'udp4' | 'udp6', addr: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createSocket({ type, reuseAddr: false, ipv6Only: false });
      s.once('error', (e) => {
        s.close();
        reject(e);
      });
      s.bind(port, addr, () => {
        s.removeAllListeners('error');
        resolve(s);
      });
    });
  if (host === '::') {
    try {
      return await tryBind('udp6', '::');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw e;
      return tryBind('udp4', '0.0.0.0');
    }
  }
  return tryBind(host.includes(':') ? 'udp6' : 'udp4', host);
}
