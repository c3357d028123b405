import type { RoomStats, ServerEvent, ServerStats } from '../contract/stats.js';
import { eventInRoom } from '../contract/stats-room.js';
import { assessHealth, type Health } from './health.js';

/**
 * The dashboard's state, free of screens and sockets: it turns the server's
 * cumulative snapshots into what a sysop reads — rates (frames/s, kbit/s) from the
 * deltas between snapshots, a bounded history of them for the graphs, the station
 * rows in the chosen order, and the health over a recent window.
 */

export type SortKey = 'callsign' | 'endpoint' | 'state' | 'frames' | 'kbps' | 'last_heard' | 'timeout';
export const SORT_KEYS: readonly SortKey[] = ['callsign', 'endpoint', 'state', 'frames', 'kbps', 'last_heard', 'timeout'];

export interface StationRow {
  callsign: string;
  endpoint: string;
  talking: boolean;
  /** Proved its callsign with a key (shown as ✓ after the state). */
  authenticated?: boolean;
  frames: number;
  bytes: number;
  /** Current kbit/s: byte delta between the last two snapshots. */
  kbps: number;
  lastSeenS: number;
  timeoutInS: number;
  connectedS: number;
  /** Its room (absent from rows built by older callers: the one conference). */
  room?: string;
  /** The server-id of the interlinked server it is on; absent: on this server. */
  server?: string;
}

/** A room's traffic per second over the last snapshot interval. */
export interface RoomRates {
  received: number;
  forwarded: number;
  fromInterlink: number;
}

/** Per-second rates over one snapshot interval, ending at `atMs`. */
export interface RateSample {
  atMs: number;
  received: number;
  forwarded: number;
  voice: number;
  text: number;
  control: number;
  data: number;
  decodeErrors: number;
  rateLimited: number;
}
export type RateField = Exclude<keyof RateSample, 'atMs'>;

export interface ModelOptions {
  /** How much rate history the graphs keep (default 300 s). */
  historyS?: number;
  /** The window the health warnings look at (default 300 s). */
  healthWindowS?: number;
}

export interface UpdateResult {
  /** The counters went backwards: the server restarted, rates start afresh. */
  restarted: boolean;
}

interface Totals {
  atMs: number;
  framesReceived: number;
  decodeErrors: number;
  timedOut: number;
}

interface StationMark {
  bytes: number;
  atMs: number;
  endpoint: string;
}

export class DashboardModel {
  private latest: ServerStats | null = null;
  private latestAt = 0;
  private readonly marks = new Map<string, StationMark>();
  private readonly kbps = new Map<string, number>();
  private readonly roomRates = new Map<string, RoomRates>();
  private readonly history: RateSample[] = [];
  private readonly totals: Totals[] = [];
  private readonly historyMs: number;
  private readonly healthWindowMs: number;
  /** Server restarts seen since the dashboard started. */
  restarts = 0;

  constructor(opts: ModelOptions = {}) {
    this.historyMs = (opts.historyS ?? 300) * 1000;
    this.healthWindowMs = (opts.healthWindowS ?? 300) * 1000;
  }

  get stats(): ServerStats | null {
    return this.latest;
  }

  /** When the latest snapshot was taken (ms). */
  get statsAt(): number {
    return this.latestAt;
  }

  get samples(): readonly RateSample[] {
    return this.history;
  }

  /** Takes a snapshot taken at `atMs` (the server's clock for SSE snapshots). */
  update(stats: ServerStats, atMs: number): UpdateResult {
    const prev = this.latest;
    const restarted = prev !== null && (stats.uptime_s < prev.uptime_s || stats.frames_received < prev.frames_received);
    if (restarted) {
      this.restarts++;
      this.marks.clear();
      this.kbps.clear();
      this.totals.length = 0;
    } else if (prev !== null && atMs > this.latestAt) {
      const dt = (atMs - this.latestAt) / 1000;
      const rate = (now: number, before: number): number => Math.max(0, now - before) / dt;
      this.history.push({
        atMs,
        received: rate(stats.frames_received, prev.frames_received),
        forwarded: rate(stats.frames_forwarded, prev.frames_forwarded),
        voice: rate(stats.voice_frames, prev.voice_frames),
        text: rate(stats.text_frames, prev.text_frames),
        control: rate(stats.control_frames, prev.control_frames),
        data: rate(stats.data_frames, prev.data_frames),
        decodeErrors: rate(stats.decode_errors, prev.decode_errors),
        rateLimited: rate(stats.rate_limited, prev.rate_limited),
      });
      while (this.history.length > 0 && this.history[0]!.atMs < atMs - this.historyMs) this.history.shift();
    }
    this.updateRooms(prev, stats, atMs, restarted);
    this.updateStations(stats, atMs);
    this.totals.push({ atMs, framesReceived: stats.frames_received, decodeErrors: stats.decode_errors, timedOut: stats.timed_out_stations });
    // Keep one entry at or before the window start, so the window's deltas span it all.
    while (this.totals.length > 2 && this.totals[1]!.atMs <= atMs - this.healthWindowMs) this.totals.shift();
    this.latest = stats;
    this.latestAt = atMs;
    return { restarted };
  }

  private updateRooms(prev: ServerStats | null, stats: ServerStats, atMs: number, restarted: boolean): void {
    this.roomRates.clear();
    if (prev === null || restarted || atMs <= this.latestAt) return;
    const dt = (atMs - this.latestAt) / 1000;
    const before = new Map(prev.rooms.map((r) => [r.name, r]));
    for (const r of stats.rooms) {
      const b = before.get(r.name);
      if (!b) continue;
      const rate = (now: number, was: number): number => Math.max(0, now - was) / dt;
      this.roomRates.set(r.name, { received: rate(r.frames_received, b.frames_received), forwarded: rate(r.frames_forwarded, b.frames_forwarded), fromInterlink: rate(r.frames_from_interlink, b.frames_from_interlink) });
    }
  }

  /** A room's rates over the last interval (undefined until two snapshots have it). */
  rates(room: string): RoomRates | undefined {
    return this.roomRates.get(room);
  }

  /**
   * The rooms to filter by, in the order `f` cycles them: the server's rooms, else
   * (a server older than rooms) those its stations are in.
   */
  roomNames(): string[] {
    const s = this.latest;
    if (!s) return [];
    if (s.rooms.length > 0) return s.rooms.map((r) => r.name);
    return [...new Set([...s.stations.map((x) => x.room), ...s.remote_stations.map((x) => x.room)])].sort();
  }

  /** The server's rooms (empty from a server older than rooms). */
  get rooms(): readonly RoomStats[] {
    return this.latest?.rooms ?? [];
  }

  /** Whether rooms matter on this server: more than one, or stations on other servers. */
  get multiRoom(): boolean {
    const s = this.latest;
    return s !== null && (this.roomNames().length > 1 || s.remote_stations.length > 0 || s.interlink !== null);
  }

  /**
   * Whether an event belongs in a log filtered to `room`. Events naming a station but
   * no room are placed by the station's room in the latest snapshot; those about no
   * room (the interlink) always show.
   */
  eventInRoom(e: ServerEvent, room: string): boolean {
    return eventInRoom(e, room, (call) => this.latest?.stations.find((x) => x.callsign === call)?.room);
  }


  private updateStations(stats: ServerStats, atMs: number): void {
    const present = new Set<string>();
    for (const s of stats.stations) {
      present.add(s.callsign);
      const mark = this.marks.get(s.callsign);
      let kbps = 0;
      if (mark && mark.endpoint === s.endpoint && s.bytes >= mark.bytes && atMs > mark.atMs) {
        kbps = ((s.bytes - mark.bytes) * 8) / ((atMs - mark.atMs) / 1000) / 1000;
      }
      this.kbps.set(s.callsign, kbps);
      this.marks.set(s.callsign, { bytes: s.bytes, atMs, endpoint: s.endpoint });
    }
    for (const c of [...this.marks.keys()]) {
      if (!present.has(c)) {
        this.marks.delete(c);
        this.kbps.delete(c);
      }
    }
  }

  /**
   * The stations of the latest snapshot, those on other servers included, ordered by
   * `key` (ties by callsign); only those of `room` when one is given.
   */
  rows(key: SortKey = 'callsign', descending = false, room: string | null = null): StationRow[] {
    const local: StationRow[] = (this.latest?.stations ?? []).map((s) => ({
      callsign: s.callsign,
      endpoint: s.endpoint,
      talking: s.talking,
      authenticated: s.authenticated,
      frames: s.frames,
      bytes: s.bytes,
      kbps: this.kbps.get(s.callsign) ?? 0,
      lastSeenS: s.last_seen_s,
      timeoutInS: s.timeout_in_s,
      connectedS: s.connected_s,
      room: s.room,
    }));
    const remote: StationRow[] = (this.latest?.remote_stations ?? []).map((s) => ({
      callsign: s.callsign,
      endpoint: `@${s.server}`,
      talking: s.talking,
      frames: 0,
      bytes: 0,
      kbps: 0,
      lastSeenS: s.last_seen_s,
      // No local timeout: the other server drops it, and its presence says so.
      timeoutInS: Number.POSITIVE_INFINITY,
      connectedS: s.connected_s,
      room: s.room,
      server: s.server,
    }));
    const rows = [...local, ...remote];
    return sortRows(room === null ? rows : rows.filter((r) => r.room === room), key, descending);
  }

  /** The last `points` values of one rate (oldest first). */
  series(field: RateField, points = this.history.length): number[] {
    return this.history.slice(-points).map((s) => s[field]);
  }

  /** Health over the recent window (deltas of the totals inside it). */
  health(): Health {
    const first = this.totals[0];
    const last = this.totals[this.totals.length - 1];
    const active = this.latest?.active_stations ?? 0;
    if (!first || !last) return assessHealth({ framesReceived: 0, decodeErrors: 0, timeouts: 0, activeStations: active });
    // With a single snapshot the window is "since the server started".
    const base = this.totals.length === 1 ? { framesReceived: 0, decodeErrors: 0, timedOut: 0 } : first;
    return assessHealth({
      framesReceived: last.framesReceived - base.framesReceived,
      decodeErrors: last.decodeErrors - base.decodeErrors,
      timeouts: last.timedOut - base.timedOut,
      activeStations: active,
    });
  }
}

/**
 * Natural order of each key (descending flips it): callsign and endpoint A→Z, state
 * talking first, frames and kbit/s largest first, last heard most recent first,
 * timeout soonest first — so the first press of a key shows what a sysop looks for.
 */
export function sortRows(rows: StationRow[], key: SortKey, descending = false): StationRow[] {
  const cmp = comparators[key];
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => dir * cmp(a, b) || a.callsign.localeCompare(b.callsign));
}

const comparators: Record<SortKey, (a: StationRow, b: StationRow) => number> = {
  callsign: (a, b) => a.callsign.localeCompare(b.callsign),
  endpoint: (a, b) => a.endpoint.localeCompare(b.endpoint, undefined, { numeric: true }),
  state: (a, b) => Number(b.talking) - Number(a.talking),
  frames: (a, b) => b.frames - a.frames,
  kbps: (a, b) => b.kbps - a.kbps,
  last_heard: (a, b) => a.lastSeenS - b.lastSeenS,
  timeout: (a, b) => a.timeoutInS - b.timeoutInS,
};

export function nextSortKey(key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length]!;
}

/** The room after `current` in the cycle All → each room → All (a vanished room goes back to All). */
export function nextRoom(current: string | null, rooms: readonly string[]): string | null {
  if (rooms.length === 0) return null;
  if (current === null) return rooms[0]!;
  const i = rooms.indexOf(current);
  return i < 0 || i + 1 >= rooms.length ? null : rooms[i + 1]!;
}
