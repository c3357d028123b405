import type { ServerStats } from '../contract/stats.js';
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
    this.updateStations(stats, atMs);
    this.totals.push({ atMs, framesReceived: stats.frames_received, decodeErrors: stats.decode_errors, timedOut: stats.timed_out_stations });
    // Keep one entry at or before the window start, so the window's deltas span it all.
    while (this.totals.length > 2 && this.totals[1]!.atMs <= atMs - this.healthWindowMs) this.totals.shift();
    this.latest = stats;
    this.latestAt = atMs;
    return { restarted };
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

  /** The stations of the latest snapshot, ordered by `key` (ties by callsign). */
  rows(key: SortKey = 'callsign', descending = false): StationRow[] {
    const rows: StationRow[] = (this.latest?.stations ?? []).map((s) => ({
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
    }));
    return sortRows(rows, key, descending);
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
