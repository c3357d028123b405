import type { ServerEvent } from '../contract/stats.js';
import { frameMessage, MessageBuilder } from '../protocol/index.js';
import {
  ANNOUNCE_MAX_CHARS,
  EXT_VERSION,
  extFrames,
  parseExtAnnounce,
  rosterMessages,
  sanitiseText,
  SERVER_STATION_ID,
  type ExtMessage,
  type RefusalReason,
  type RoomCount,
  type RosterEntry,
} from '../protocol/ext.js';
import type { Endpoint } from './endpoint.js';
import type { Registry, Station } from './registry.js';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'presence');

export interface PresenceDeps {
  registry: Registry;
  send(buf: Buffer, to: Endpoint): void;
  /** Where frames for a source endpoint go (its address, or IP:fixed port in reference mode). */
  returnTo(from: Endpoint): Endpoint;
  timeoutS: number;
  /** Whether a registered station proved its callsign (station authentication). */
  authenticated(st: Station): boolean;
  /** Stations of a room on other interlinked servers (none when the server runs alone). */
  remoteRoster(room: string, nowMs: number): RosterEntry[];
  /** Every room with its stations, here and on other servers. */
  roomCounts(): RoomCount[];
}

interface Refusal {
  reason: RefusalReason;
  retryAt: number | null;
  sentAt: number;
  lastAt: number;
}

/** A refused station that keeps trying hears the reason again this often. */
const REFUSAL_REPEAT_MS = 30_000;
/** A refusal state nobody has hit for this long is forgotten (the next one is news again). */
const REFUSAL_FORGET_MS = 10 * 60_000;
/** A station gets the full roster again at most this often. */
const SNAPSHOT_MIN_MS = 10_000;
/** Bounds on per-source memory: sources that announced or were refused. */
const MAX_SOURCES = 10_000;

const sourceKey = (endpoint: Endpoint, callsign: string): string => `${endpoint.key}|${callsign}`;

/**
 * The server's side of the opv extension (docs/EXTENSIONS.md): which stations announced
 * it, roster snapshots and deltas for them, refusal reasons, announcements. Every
 * message is framed once and the same buffers go to every recipient, so a delta to
 * N stations costs N sends. Stations that never announced get nothing from here.
 */
export class Presence {
  /** Registered stations that announced the extension, by callsign. */
  private readonly ext = new Map<string, Station>();
  /** Sources (endpoint|callsign) that announced while not registered, e.g. while refused. */
  private readonly announced = new Map<string, number>();
  private readonly refusals = new Map<string, Refusal>();
  private readonly builder = new MessageBuilder({
    source: [0, 0, 0, 0],
    destination: [0, 0, 0, 0],
    sourcePorts: { voice: 57372, text: 57372, control: 57372 },
    initialIdentification: 0,
  });
  private snapshotSeq = 0;
  /** When each station last got WELCOME + the full roster (bounds what a request can make the server send). */
  private readonly snapshotAt = new WeakMap<Station, number>();
  /** Extension frames sent, for the bench and the curious. */
  framesSent = 0;

  constructor(private readonly d: PresenceDeps) {}

  get extStations(): number {
    return this.ext.size;
  }

  /** One control text of the server's (an authentication reply) to one source. */
  sendText(text: string, to: Endpoint): void {
    this.sendTo(frameMessage(SERVER_STATION_ID, this.builder.control(text)).map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)), to);
  }

  private frames(m: ExtMessage): Buffer[] {
    return extFrames(this.builder, m);
  }

  private sendTo(frames: Buffer[], to: Endpoint): void {
    for (const f of frames) this.d.send(f, to);
    this.framesSent += frames.length;
  }

  /** To every station with the extension, or only to those in `room`. */
  private broadcast(m: ExtMessage, except?: string, room?: string): void {
    if (this.ext.size === 0) return;
    let frames: Buffer[] | null = null;
    const done = new Set<string>();
    for (const st of this.ext.values()) {
      if (st.callsign === except || done.has(st.returnTo.key) || (room !== undefined && st.room.name !== room)) continue;
      frames ??= this.frames(m);
      done.add(st.returnTo.key);
      this.sendTo(frames, st.returnTo);
    }
  }

  /** A registered station sent an extension control message (already kept from the others). */
  onExtMessage(st: Station, text: string, nowMs: number): void {
    const v = parseExtAnnounce(text);
    if (v === null || v.version < 1) return;
    if (this.ext.get(st.callsign) === st) {
      // A periodic refresh: nothing new. A fresh request (the station restarted on the same
      // address) gets everything again, but not more often than every SNAPSHOT_MIN_MS.
      if (v.refresh || nowMs - (this.snapshotAt.get(st) ?? 0) < SNAPSHOT_MIN_MS) {
        if (!v.refresh) dbg('%s asks for everything again within %d s: not answered', st.callsign, SNAPSHOT_MIN_MS / 1000);
        return;
      }
    }
    this.enable(st, nowMs);
  }

  private enable(st: Station, nowMs: number): void {
    dbg('%s speaks the extension: WELCOME, rooms, its room, the roster', st.callsign);
    this.ext.set(st.callsign, st);
    this.announced.delete(sourceKey(st.endpoint, st.callsign));
    this.sendTo(this.frames({ type: 'welcome', version: EXT_VERSION, timeoutS: this.d.timeoutS }), st.returnTo);
    this.snapshotAt.set(st, nowMs);
    this.sendTo(this.frames({ type: 'rooms', rooms: this.d.roomCounts() }), st.returnTo);
    this.inRoom(st, nowMs);
  }

  /** Tells a station which room it is in, with that room's roster (after WELCOME and after each move). */
  inRoom(st: Station, nowMs: number): void {
    if (this.ext.get(st.callsign) !== st) return;
    this.sendTo(this.frames({ type: 'room', room: st.room.name }), st.returnTo);
    this.sendRoster(st, nowMs);
  }

  /** The rooms, in answer to `OPV-EXT:ROOMS`. */
  sendRooms(st: Station, rooms: RoomCount[]): void {
    if (this.ext.get(st.callsign) !== st) return;
    this.sendTo(this.frames({ type: 'rooms', rooms }), st.returnTo);
  }

  /** A request named no room of this server. */
  noRoom(st: Station, room: string): void {
    if (this.ext.get(st.callsign) !== st) return;
    this.sendTo(this.frames({ type: 'no_room', room }), st.returnTo);
  }

  private sendRoster(st: Station, nowMs: number): void {
    const entries: RosterEntry[] = [...st.room.all()].map((s) => ({
      callsign: s.callsign,
      connectedS: Math.max(0, Math.round((nowMs - s.joinedAt) / 1000)),
      talking: s.talking,
      authenticated: this.d.authenticated(s),
    }));
    entries.push(...this.d.remoteRoster(st.room.name, nowMs));
    this.snapshotSeq = (this.snapshotSeq + 1) % 1_000_000;
    for (const m of rosterMessages(this.snapshotSeq, entries)) this.sendTo(this.frames(m), st.returnTo);
  }

  /** Membership and talk changes from the relay, turned into deltas. */
  onEvent(e: ServerEvent, nowMs: number): void {
    switch (e.type) {
      case 'station_joined': {
        const st = this.d.registry.get(e.callsign);
        if (!st) return;
        this.broadcast({ type: 'join', callsign: e.callsign }, e.callsign, e.room);
        if (this.d.authenticated(st)) this.broadcast({ type: 'verified', callsign: e.callsign }, e.callsign, e.room);
        // It announced while it was still being refused: it gets the extension now.
        if (this.announced.has(sourceKey(st.endpoint, st.callsign))) this.enable(st, nowMs);
        this.refusals.delete(sourceKey(st.endpoint, st.callsign));
        break;
      }
      case 'station_left':
      case 'station_timeout': {
        const st = this.ext.get(e.callsign);
        this.ext.delete(e.callsign);
        // A kicked, banned or timed-out station that comes back keeps the extension (and hears why it is refused).
        if (st && !(e.type === 'station_left' && e.reason === 'bye')) this.remember(sourceKey(st.endpoint, st.callsign), nowMs);
        this.broadcast({ type: 'leave', callsign: e.callsign, reason: e.type === 'station_timeout' ? 'timeout' : e.reason }, undefined, e.room);
        break;
      }
      case 'room_changed':
        this.broadcast({ type: 'leave', callsign: e.callsign, reason: 'moved' }, e.callsign, e.from);
        this.broadcast({ type: 'join', callsign: e.callsign }, e.callsign, e.to);
        break;
      case 'remote_joined':
        this.broadcast({ type: 'join', callsign: e.callsign, server: e.server }, undefined, e.room);
        break;
      case 'remote_left':
        this.broadcast({ type: 'leave', callsign: e.callsign, reason: 'bye' }, undefined, e.room);
        break;
      case 'endpoint_changed': {
        // The callsign is now used from elsewhere, maybe by a reference station: nothing
        // more goes there until that source has announced the extension itself — unless
        // its session proves it is the same station (NAT rebinding, a restart on a new port).
        const was = this.ext.get(e.callsign);
        this.ext.delete(e.callsign);
        const st = this.d.registry.get(e.callsign);
        if (was !== undefined && st !== undefined && this.d.authenticated(st)) {
          this.ext.set(st.callsign, st);
          break;
        }
        if (st && this.announced.has(sourceKey(st.endpoint, st.callsign))) this.enable(st, nowMs);
        break;
      }
      case 'ptt_start':
      case 'ptt_stop':
        this.broadcast({ type: 'talk', callsign: e.callsign, talking: e.type === 'ptt_start' }, e.callsign, e.room);
        break;
      default:
        break;
    }
  }

  private remember(key: string, nowMs: number): void {
    if (this.announced.size >= MAX_SOURCES) this.announced.delete(this.announced.keys().next().value!);
    this.announced.set(key, nowMs);
  }

  /** The admitting message of a source that is not admitted yet: note an announcement. */
  noteCandidate(endpoint: Endpoint, callsign: string, controlText: string | null, nowMs: number): void {
    if (controlText === null) return;
    const v = parseExtAnnounce(controlText);
    if (v === null || v.version < 1) return;
    const key = sourceKey(endpoint, callsign);
    this.remember(key, nowMs);
    // A full request (a station that just started, maybe again on the same address) is told why at once.
    const r = v.refresh ? undefined : this.refusals.get(key);
    if (r !== undefined) r.sentAt = 0;
  }

  /**
   * A source was refused. Tells it why if it announced the extension (at each change of
   * reason and every REFUSAL_REPEAT_MS while it keeps trying). Returns true when the
   * refusal is news for the log: the first, or a different reason than last time.
   */
  refused(endpoint: Endpoint, callsign: string, reason: RefusalReason, retryAtMs: number | null, nowMs: number): boolean {
    const key = sourceKey(endpoint, callsign);
    const prev = this.refusals.get(key);
    const fresh = prev === undefined || prev.reason !== reason || nowMs - prev.lastAt > REFUSAL_FORGET_MS;
    const r: Refusal = fresh ? { reason, retryAt: retryAtMs, sentAt: 0, lastAt: nowMs } : prev;
    r.lastAt = nowMs;
    r.retryAt = retryAtMs;
    if (fresh) {
      if (this.refusals.size >= MAX_SOURCES) this.sweep(nowMs);
      if (this.refusals.size >= MAX_SOURCES) this.refusals.delete(this.refusals.keys().next().value!);
      this.refusals.delete(key);
      this.refusals.set(key, r);
    }
    if (this.announced.has(key) && (fresh || nowMs - r.sentAt >= REFUSAL_REPEAT_MS)) {
      r.sentAt = nowMs;
      this.tell(this.d.returnTo(endpoint), reason, retryAtMs);
    }
    return fresh;
  }

  /** Tells a registered station, before it is dropped, why (kick, ban). */
  tellStation(st: Station, reason: RefusalReason, retryAtMs: number | null): void {
    if (this.ext.get(st.callsign) !== st) return;
    this.tell(st.returnTo, reason, retryAtMs);
  }

  private tell(to: Endpoint, reason: RefusalReason, retryAtMs: number | null): void {
    this.sendTo(this.frames({ type: 'refused', reason, retryAt: retryAtMs === null ? null : Math.ceil(retryAtMs / 1000) }), to);
  }

  /** A registered station proved its callsign again (e.g. it restarted on the same address). */
  verified(st: Station): void {
    this.broadcast({ type: 'verified', callsign: st.callsign }, st.callsign, st.room.name);
  }

  /** A sysop announcement to every station that announced the extension; returns how many. */
  announce(text: string): { sent: number; text: string } {
    const clean = sanitiseText(text, ANNOUNCE_MAX_CHARS);
    const before = this.framesSent;
    this.broadcast({ type: 'announce', text: clean });
    const per = this.frames({ type: 'announce', text: clean }).length;
    return { sent: per === 0 ? 0 : (this.framesSent - before) / per, text: clean };
  }

  private sweep(nowMs: number): void {
    for (const [k, r] of this.refusals) if (nowMs - r.lastAt > REFUSAL_FORGET_MS) this.refusals.delete(k);
  }

  /** Called about once a second: forgets stale refusal states. */
  tick(nowMs: number): void {
    if (this.refusals.size > 0) this.sweep(nowMs);
    for (const [k, at] of this.announced) {
      if (nowMs - at <= REFUSAL_FORGET_MS) break; // insertion order: oldest first
      this.announced.delete(k);
    }
  }
}
