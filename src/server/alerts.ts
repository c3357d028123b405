/**
 * The server's alerts: once a tick (the sweep, on the server's clock) the figures are
 * read, turned into the conditions that hold, and handed to the AlertBoard, which
 * decides what is raised and cleared. Nothing here runs per frame except
 * noteRefused, one bounded map increment for a frame the rate limit refused.
 */
import { AlertBoard, type AlertChange, type AlertCondition } from './alert-board.js';

export interface AlertThresholds {
  /** Decode errors per second (averaged over the window) that raise decode_errors; 0 disables. */
  decodeErrorsPerS: number;
  /** Seconds a station may stay keyed before stuck_ptt; 0 disables. */
  stuckPttS: number;
  /** Frames per second refused by the rate limit from one source that raise flood; 0 disables. */
  floodPerS: number;
  /** Authentication failures per minute that raise auth_failures; 0 disables. */
  authFailuresPerMin: number;
  /** Seconds without a peer's presence before interlink_peer_lost; 0 disables. */
  peerLostS: number;
  /** Datagrams the kernel dropped on the relay's sockets per window that raise socket_drops; 0 disables. */
  socketDrops: number;
  /** Seconds a condition must be gone before its alert clears. */
  clearAfterS: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  decodeErrorsPerS: 20,
  stuckPttS: 120,
  floodPerS: 25,
  authFailuresPerMin: 10,
  peerLostS: 30,
  socketDrops: 1,
  clearAfterS: 30,
};

/** Rates are judged over this window (ticks are about one second apart). */
export const ALERT_WINDOW_MS = 10_000;
/** Sources tracked for flood between ticks: a flood of invented sources cannot grow the map. */
const MAX_REFUSED_SOURCES = 1024;
const MAX_SUBJECTS_PER_KIND = 20;
/** Peers remembered to notice one going away. */
const MAX_PEERS = 256;

/** What the alerts read from the server, each tick. */
export interface AlertSources {
  /** Counters that only go up. */
  decodeErrors(): number;
  authFailures(): number;
  /** Kernel drops on the relay's sockets (receive + send); null when unknown. */
  socketDrops(): number | null;
  /** Callsigns keyed now. */
  talking(): Iterable<string>;
  /** The interlink's peers (null: no interlink); connected false: every peer is out of reach. */
  peers(nowMs: number): { connected: boolean; peers: { server_id: string; last_seen_s: number }[] } | null;
}

interface Sample {
  at: number;
  decode: number;
  auth: number;
  drops: number | null;
}

export class ServerAlerts {
  private readonly board: AlertBoard;
  private readonly samples: Sample[] = [];
  private refused = new Map<string, number>();
  private refusedSince: number | null = null;
  private readonly keyedSince = new Map<string, number>();
  private readonly knownPeers = new Set<string>();

  constructor(
    readonly thresholds: AlertThresholds,
    private readonly sources: AlertSources,
    private readonly emit: (change: AlertChange) => void,
  ) {
    this.board = new AlertBoard({ clearAfterMs: thresholds.clearAfterS * 1000, maxSubjectsPerKind: MAX_SUBJECTS_PER_KIND });
  }

  /** A frame from `source` refused by the rate limit (hot path under a flood: one map update). */
  noteRefused(source: string): void {
    const n = this.refused.get(source);
    if (n !== undefined) this.refused.set(source, n + 1);
    else if (this.refused.size < MAX_REFUSED_SOURCES) this.refused.set(source, 1);
  }

  tick(nowMs: number): AlertChange[] {
    const holding: AlertCondition[] = [];
    const t = this.thresholds;
    const s = this.sources;
    const sample: Sample = { at: nowMs, decode: s.decodeErrors(), auth: s.authFailures(), drops: s.socketDrops() };
    this.samples.push(sample);
    while (this.samples.length > 2 && nowMs - this.samples[1]!.at >= ALERT_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const spanS = (nowMs - first.at) / 1000;

    if (t.decodeErrorsPerS > 0 && spanS > 0) {
      const rate = (sample.decode - first.decode) / spanS;
      if (rate >= t.decodeErrorsPerS) holding.push({ kind: 'decode_errors', subject: null, message: `${rate.toFixed(1)} decode errors/s (limit ${t.decodeErrorsPerS}/s)` });
    }
    if (t.authFailuresPerMin > 0 && spanS > 0) {
      const perMin = ((sample.auth - first.auth) / spanS) * 60;
      if (perMin >= t.authFailuresPerMin) holding.push({ kind: 'auth_failures', subject: null, message: `${perMin.toFixed(0)} authentication failures/min (limit ${t.authFailuresPerMin}/min)` });
    }
    if (t.socketDrops > 0 && sample.drops !== null && first.drops !== null) {
      const d = sample.drops - first.drops;
      if (d >= t.socketDrops) holding.push({ kind: 'socket_drops', subject: null, message: `the kernel dropped ${d} datagrams on the relay's sockets in ${spanS.toFixed(0)} s (buffers full)` });
    }
    if (t.stuckPttS > 0) this.stuckPtt(nowMs, holding);
    if (t.floodPerS > 0) this.flood(nowMs, holding);
    if (t.peerLostS > 0) this.peersLost(nowMs, holding);

    const changes = this.board.update(nowMs, holding);
    for (const c of changes) this.emit(c);
    return changes;
  }

  private stuckPtt(nowMs: number, holding: AlertCondition[]): void {
    const now = new Set<string>();
    for (const c of this.sources.talking()) {
      now.add(c);
      const since = this.keyedSince.get(c);
      if (since === undefined) this.keyedSince.set(c, nowMs);
      else if (nowMs - since >= this.thresholds.stuckPttS * 1000) {
        holding.push({ kind: 'stuck_ptt', subject: c, message: `${c} keyed for ${Math.round((nowMs - since) / 1000)} s (limit ${this.thresholds.stuckPttS} s)` });
      }
    }
    for (const c of this.keyedSince.keys()) if (!now.has(c)) this.keyedSince.delete(c);
  }

  private flood(nowMs: number, holding: AlertCondition[]): void {
    const since = this.refusedSince;
    this.refusedSince = nowMs;
    const counts = this.refused;
    this.refused = new Map();
    if (since === null || nowMs <= since) return;
    const spanS = (nowMs - since) / 1000;
    for (const [source, n] of counts) {
      const rate = n / spanS;
      if (rate >= this.thresholds.floodPerS) holding.push({ kind: 'flood', subject: source, message: `${source} sends ${rate.toFixed(0)} frames/s past its rate limit` });
    }
  }

  private peersLost(nowMs: number, holding: AlertCondition[]): void {
    const p = this.sources.peers(nowMs);
    if (p === null) return;
    const listed = new Set<string>();
    for (const peer of p.peers) {
      listed.add(peer.server_id);
      if (!this.knownPeers.has(peer.server_id) && this.knownPeers.size < MAX_PEERS) this.knownPeers.add(peer.server_id);
      if (!p.connected) holding.push({ kind: 'interlink_peer_lost', subject: peer.server_id, message: `server ${peer.server_id} out of reach: the interlink is down` });
      else if (peer.last_seen_s >= this.thresholds.peerLostS) holding.push({ kind: 'interlink_peer_lost', subject: peer.server_id, message: `no presence from server ${peer.server_id} for ${peer.last_seen_s} s` });
    }
    // A peer the interlink has forgotten is lost too, until it is heard again.
    for (const id of this.knownPeers) {
      if (!listed.has(id)) holding.push({ kind: 'interlink_peer_lost', subject: id, message: `server ${id} is gone from the interlink's peers` });
    }
  }

  active(nowMs: number): ReturnType<AlertBoard['active']> {
    return this.board.active(nowMs);
  }
}
