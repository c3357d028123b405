/**
 * Adaptive jitter buffer for one remote station, ordered by RTP sequence number.
 *
 * Every 40 ms the playout clock calls pull(), which returns the next packet, 'lost'
 * (the decoder conceals) or 'empty' (nothing to play: not primed yet, or the
 * talkspurt is over). How it behaves:
 *
 * - Sequence numbers are 16-bit and wrap; each is extended to an unbounded integer
 *   relative to the highest seen, so ordering works across the wrap.
 * - Priming: playout starts once `target` frames are buffered, or once the first
 *   packet has waited target × 40 ms, or at once when the stream is ending. `target`
 *   starts at `targetFrames` (default 2) and follows the measured interarrival jitter
 *   (RFC 3550 estimator, with 40 ms per sequence step): roughly one frame plus three
 *   times the jitter, clamped to [targetFrames, maxTargetFrames]. It applies to the
 *   next priming, so a talkspurt never jumps in time.
 * - A gap with later packets already here is a lost packet: 'lost', and move on.
 *   If it arrives afterwards it is counted late and dropped.
 * - Running dry with nothing later here is an underrun (the network delayed the
 *   stream): 'lost' (concealment) without moving on, so the delayed packet still
 *   plays when it comes — the buffer grows by one frame, which is the adaptation to
 *   a jitter spike. Should the backlog exceed maxTargetFrames, the oldest packets are
 *   dropped (counted) to bound the delay. After maxConcealFrames dry ticks the
 *   talkspurt is over (its PTT_STOP was evidently lost).
 * - end() (PTT_STOP seen): play out what is buffered, wait a short grace for packets
 *   that the stop overtook on the way, then finish.
 * - Duplicates (already buffered or recently played) are counted and dropped. A
 *   packet far outside the window (the sender restarted its sequence) starts afresh.
 *
 * When a talkspurt finishes, `onTalkspurtEnd` receives its summary.
 */
import { FRAME_INTERVAL_MS, PTT_STOP_LOST_FRAMES } from '../../protocol/constants.js';

export type JitterPull = Uint8Array | 'lost' | 'empty';

export interface JitterBufferOptions {
  /** Initial and minimum target depth in frames (default 2). */
  targetFrames?: number;
  /** Upper bound of the adaptive target and of the backlog (default 8 = 320 ms). */
  maxTargetFrames?: number;
  /** Dry ticks before a talkspurt without PTT_STOP is considered over (default PTT_STOP_LOST_FRAMES). */
  maxConcealFrames?: number;
  /** Packets further ahead of playout than this restart the stream (default 128). */
  window?: number;
  frameMs?: number;
  /** A packet behind the last talkspurt arriving this soon after it ended is a straggler, not a new one (default 2000). */
  stragglerMs?: number;
  onTalkspurtEnd?: (summary: TalkspurtSummary) => void;
  /**
   * Each sequence slot as playout consumes it: the packet played, or null (lost, or
   * dropped unplayed). History records exactly this, so it matches what was heard.
   */
  onSlot?: (payload: Uint8Array | null) => void;
}

export interface TalkspurtSummary {
  /** Sequence slots the talkspurt covered: played + lost. */
  frames: number;
  played: number;
  lost: number;
  late: number;
  duplicate: number;
  /** Times playout ran dry and concealed while waiting. */
  underruns: number;
  /** Packets discarded to bound the delay after a long spike. */
  dropped: number;
  durationMs: number;
  /** True when it ended by end() (PTT_STOP), false when it timed out. */
  endedCleanly: boolean;
}

export interface JitterStats {
  received: number;
  played: number;
  lost: number;
  late: number;
  duplicate: number;
  underruns: number;
  dropped: number;
  restarts: number;
  /** Packets from behind a talkspurt that had already ended (a voice frame after PTT_STOP). */
  stragglers: number;
  /** Smoothed interarrival jitter, ms. */
  jitterMs: number;
  targetFrames: number;
  /** Packets waiting right now. */
  depth: number;
}

type State = 'idle' | 'priming' | 'playing';

const RING = 256;

export class JitterBuffer {
  private readonly minTarget: number;
  private readonly maxTarget: number;
  private readonly maxConceal: number;
  private readonly window: number;
  private readonly frameMs: number;
  private readonly onTalkspurtEnd: ((s: TalkspurtSummary) => void) | undefined;
  private readonly onSlot: ((p: Uint8Array | null) => void) | undefined;
  private readonly stragglerMs: number;
  /** When the last talkspurt finished (arrival clock), for telling stragglers from a new stream. */
  private finishedAt = -Infinity;

  private state: State = 'idle';
  private readonly packets = new Map<number, Uint8Array>();
  /** Extended sequence of the highest packet seen, or null before the first. */
  private highest: number | null = null;
  private nextSeq = 0;
  private primingSince = 0;
  private ending = false;
  private dryTicks = 0;
  /** Concealed ticks spent waiting while dry that no later gap has paid back yet. */
  private stallDebt = 0;
  private readonly playedRing = new Float64Array(RING).fill(-1);

  private jitter = 0;
  private lastArrival: number | null = null;
  private lastArrivalSeq = 0;
  private target: number;

  private spurt = freshSummary();
  private readonly totals: Omit<JitterStats, 'jitterMs' | 'targetFrames' | 'depth'> = {
    received: 0,
    played: 0,
    lost: 0,
    late: 0,
    duplicate: 0,
    underruns: 0,
    dropped: 0,
    restarts: 0,
    stragglers: 0,
  };

  constructor(opts: JitterBufferOptions = {}) {
    this.minTarget = Math.max(1, opts.targetFrames ?? 2);
    this.maxTarget = Math.max(this.minTarget, opts.maxTargetFrames ?? 8);
    this.maxConceal = opts.maxConcealFrames ?? PTT_STOP_LOST_FRAMES;
    this.window = opts.window ?? 128;
    this.frameMs = opts.frameMs ?? FRAME_INTERVAL_MS;
    this.onTalkspurtEnd = opts.onTalkspurtEnd;
    this.onSlot = opts.onSlot;
    this.stragglerMs = opts.stragglerMs ?? 2000;
    this.target = this.minTarget;
  }

  /** Talkspurts begun so far (changes when a new one starts). */
  talkspurts = 0;
  /**
   * For the talkspurt just begun: how many sequence numbers the sender skipped since the
   * last packet of the talkspurt before, when it continues the same stream (a stall or a
   * cut, no marker: the same transmission); null when it is a stream of its own. Exact
   * where a gap in time can only guess: a stalled sender's backlog arrives late, not lost.
   */
  resumeGap: number | null = null;

  /** Whether a talkspurt is being received or played. */
  get active(): boolean {
    return this.state !== 'idle';
  }

  stats(): JitterStats {
    return { ...this.totals, jitterMs: this.jitter, targetFrames: this.target, depth: this.packets.size };
  }

  private lastPushAt = -Infinity;

  /** Stores a packet. `seq` is the 16-bit RTP sequence number; `arrivalMs` a monotonic time. */
  push(seq: number, payload: Uint8Array, arrivalMs: number, marker = false): void {
    this.lastPushAt = arrivalMs;
    this.totals.received++;
    if (this.state === 'idle' && this.highest !== null) {
      const diff = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      if (diff <= 0 && diff > -this.window && arrivalMs - this.finishedAt < this.stragglerMs) {
        // Part of the talkspurt that just ended (it overtook nothing, it is merely late).
        this.totals.stragglers++;
        return;
      }
      // A sequence far from the last one is a new stream (the sender restarted with a
      // new random sequence, possibly "behind" the old one): extend it afresh.
      if (Math.abs(diff) >= this.window || diff <= 0) this.highest = null;
    }
    const before = this.highest;
    const ext = this.extend(seq & 0xffff);
    if (this.state === 'idle') {
      this.beginPriming(arrivalMs);
      if (before !== null && !marker) this.resumeGap = this.skippedBetween(before, ext);
    } else if (ext - this.nextSeq >= this.window || this.nextSeq - ext > this.window) {
      // The sender's sequence jumped (restart): close this talkspurt, start another.
      this.totals.restarts++;
      this.finish(false);
      this.beginPriming(arrivalMs);
      this.highest = ext;
    } else if (marker && this.highest !== null && ext > this.highest) {
      // The RTP marker opens a new transmission: even when its PTT_STOP and PTT_START
      // were lost, the two are not merged.
      this.finish(this.ending);
      this.beginPriming(arrivalMs);
    }
    if (this.highest === null || ext > this.highest) this.highest = ext;
    this.measureJitter(ext, arrivalMs);

    if (this.state === 'playing' && ext < this.nextSeq) {
      if (this.playedRing[ext % RING] === ext) this.count('duplicate');
      else this.count('late');
      return;
    }
    if (this.packets.has(ext)) {
      this.count('duplicate');
      return;
    }
    this.packets.set(ext, payload);
    if (this.state === 'priming' && ext < this.nextSeq) this.nextSeq = ext;
    this.dryTicks = 0;
  }

  /** PTT_STOP seen: drain, then finish. */
  end(): void {
    if (this.state === 'idle') return;
    this.ending = true;
  }

  /**
   * One 40 ms playout step. `behind`: steps still overdue after this one (playout is
   * catching up after a stall): that many more packets are due now, so the backlog may
   * exceed maxTargetFrames by as much without being dropped as excess delay.
   */
  pull(nowMs: number, behind = 0): JitterPull {
    if (this.state === 'idle') return 'empty';
    if (this.state === 'priming') {
      const span = this.packets.size === 0 ? 0 : this.highest! - this.nextSeq + 1;
      const waited = nowMs - this.primingSince >= this.target * this.frameMs;
      if (!(span >= this.target || waited || this.ending)) return 'empty';
      this.state = 'playing';
    }

    this.boundBacklog(behind);
    if (this.stallDebt > 0 && this.packets.size > 0) this.repayStalls();
    this.skipReferenceHole();
    const pkt = this.packets.get(this.nextSeq);
    if (pkt !== undefined) {
      this.packets.delete(this.nextSeq);
      this.playedRing[this.nextSeq % RING] = this.nextSeq;
      this.nextSeq++;
      this.dryTicks = 0;
      this.count('played');
      this.onSlot?.(pkt);
      return pkt;
    }
    if (this.packets.size > 0) {
      // Later packets are here, so this one is lost (or hopelessly late).
      this.dryTicks = 0;
      this.nextSeq++;
      this.count('lost');
      this.onSlot?.(null);
      return 'lost';
    }
    // Dry: the stream is delayed, or it is over.
    this.dryTicks++;
    const grace = Math.max(2, this.target);
    if (this.ending) {
      if (this.dryTicks > grace) this.finish(true);
      return 'empty';
    }
    if (this.dryTicks > this.maxConceal) {
      this.finish(false);
      return 'empty';
    }
    if (this.dryTicks === 1) this.count('underruns');
    this.stallDebt++;
    return 'lost';
  }

  /** Drops everything (the station left). */
  reset(): void {
    if (this.state !== 'idle') this.finish(this.ending);
    this.highest = null;
    this.lastArrival = null;
  }

  /** Sequence numbers between two packets of one stream, not counting the reference's unsent 65535. */
  private skippedBetween(last: number, next: number): number {
    let n = next - last - 1;
    for (let q = last + 1; q < next && n > 0; q++) if ((q & 0xffff) === 0xffff) n--;
    return Math.max(0, n);
  }

  private extend(seq: number): number {
    if (this.highest === null) return seq + 0x10000 * 16;
    const diff = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return this.highest + diff;
  }

  private measureJitter(ext: number, arrivalMs: number): void {
    if (this.lastArrival !== null && ext !== this.lastArrivalSeq) {
      const d = arrivalMs - this.lastArrival - (ext - this.lastArrivalSeq) * this.frameMs;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
      const wanted = Math.ceil((this.frameMs + 3 * this.jitter) / this.frameMs);
      this.target = Math.min(this.maxTarget, Math.max(this.minTarget, wanted));
    }
    this.lastArrival = arrivalMs;
    this.lastArrivalSeq = ext;
  }

  private beginPriming(nowMs: number): void {
    this.talkspurts++;
    this.state = 'priming';
    this.primingSince = nowMs;
    this.nextSeq = Number.MAX_SAFE_INTEGER;
    // The pause between talkspurts says nothing about network jitter.
    this.lastArrival = null;
    this.ending = false;
    this.dryTicks = 0;
    this.stallDebt = 0;
    this.resumeGap = null;
    this.spurt = freshSummary();
  }

  /**
   * A stall conceals a slot without consuming a sequence number. If the packets we
   * waited for turn out to be lost (a gap once later ones arrive), the stall already
   * stood in for them: skip that many missing slots silently, so losses never add delay.
   */
  private repayStalls(): void {
    this.skipReferenceHole();
    while (this.stallDebt > 0 && !this.packets.has(this.nextSeq)) {
      this.stallDebt--;
      this.nextSeq++;
      this.count('lost');
      this.onSlot?.(null);
      this.skipReferenceHole();
    }
    this.stallDebt = Math.min(this.stallDebt, this.maxTarget);
  }

  /** After a long spike the backlog can exceed the bound: skip the oldest. */
  private boundBacklog(behind: number): void {
    if (this.highest === null) return;
    while (this.highest - this.nextSeq + 1 > this.maxTarget + behind && this.packets.size > 0) {
      this.skipReferenceHole();
      if (this.packets.delete(this.nextSeq)) this.count('dropped');
      else this.count('lost');
      this.onSlot?.(null);
      this.nextSeq++;
      if (this.stallDebt > 0) this.stallDebt--;
    }
  }

  /**
   * The reference station counts its sequence modulo 65535 and never sends 65535, so
   * 65534 → 0 is contiguous: a missing 65535 with later packets here is no loss.
   */
  private skipReferenceHole(): void {
    if ((this.nextSeq & 0xffff) === 0xffff && !this.packets.has(this.nextSeq) && this.packets.size > 0) this.nextSeq++;
  }

  private count(what: 'played' | 'lost' | 'late' | 'duplicate' | 'underruns' | 'dropped'): void {
    this.totals[what]++;
    this.spurt[what]++;
  }

  private finish(clean: boolean): void {
    const s = this.spurt;
    // Packets still waiting (a restart cut the talkspurt short) will never play.
    this.totals.dropped += this.packets.size;
    s.dropped += this.packets.size;
    for (let i = 0; i < this.packets.size; i++) this.onSlot?.(null);
    s.frames = s.played + s.lost + s.dropped;
    s.durationMs = s.frames * this.frameMs;
    s.endedCleanly = clean;
    this.state = 'idle';
    this.packets.clear();
    this.ending = false;
    this.dryTicks = 0;
    this.stallDebt = 0;
    this.spurt = freshSummary();
    this.finishedAt = this.lastPushAt;
    this.onTalkspurtEnd?.(s);
  }
}

function freshSummary(): TalkspurtSummary {
  return { frames: 0, played: 0, lost: 0, late: 0, duplicate: 0, underruns: 0, dropped: 0, durationMs: 0, endedCleanly: false };
}
