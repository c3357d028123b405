/**
 * A drift-free periodic tick: tick k is due at start + k × interval on a monotonic
 * clock, so timer lateness never accumulates (a setInterval would lose a few ms per
 * second under load). When the process stalls, the overdue ticks run back to back —
 * a microphone or a playout clock must not silently lose time.
 */
import { performance } from 'node:perf_hooks';
import { afterPendingIo } from '../util/after-pending-io.js';

export interface FrameClockOptions {
  intervalMs: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  /** Index of the first tick's due time: 0 = at once, 1 = one interval after start. */
  firstTick?: number;
  /** More overdue ticks than this after a stall are skipped instead of replayed. */
  maxCatchUp?: number;
  /**
   * Each tick runs after the I/O already waiting has been read (util/after-pending-io):
   * for a playout clock, after a stall the frames that arrived meanwhile are in the
   * buffer before the overdue ticks look for them, instead of being counted lost.
   */
  afterPendingIo?: boolean;
}

export class FrameClock {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly firstTick: number;
  private readonly maxCatchUp: number;
  private readonly afterPendingIo: boolean;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private next = 0;
  private onTick: ((behind: number) => void) | null = null;
  /**
   * Bumped by start, stop and rephase: a callback that restarts or moves the clock ends the
   * old loop, and a tick already deferred (afterPendingIo) of a schedule since replaced does nothing.
   */
  private generation = 0;
  /** Ticks skipped because the process stalled longer than maxCatchUp intervals. */
  skipped = 0;

  constructor(opts: FrameClockOptions) {
    this.intervalMs = opts.intervalMs;
    this.now = opts.now ?? (() => performance.now());
    this.firstTick = opts.firstTick ?? 1;
    this.maxCatchUp = opts.maxCatchUp ?? 50;
    this.afterPendingIo = opts.afterPendingIo ?? false;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** `onTick(behind)`: `behind` ticks are still overdue after this one (0 unless catching up after a stall). */
  start(onTick: (behind: number) => void): void {
    this.stop();
    this.generation++;
    this.onTick = onTick;
    this.startedAt = this.now();
    this.next = this.firstTick;
    this.schedule();
  }

  /**
   * Moves the tick grid so the next tick falls `inMs` from now (then every interval),
   * keeping the callback. For a playout clock that is idle, this lines its ticks up
   * with a stream that is just starting instead of making it wait for the old phase.
   */
  rephase(inMs: number): void {
    if (this.onTick === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.generation++;
    this.startedAt = this.now() + inMs;
    this.next = 0;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.onTick = null;
    this.generation++;
  }

  private schedule(): void {
    const due = this.startedAt + this.next * this.intervalMs;
    const gen = this.generation;
    const fire = (): void => this.fire(gen);
    this.timer = setTimeout(this.afterPendingIo ? afterPendingIo(fire) : fire, Math.max(0, due - this.now()));
  }

  private fire(gen: number): void {
    const cb = this.onTick;
    if (cb === null || gen !== this.generation) return;
    for (;;) {
      // Ticks due by now (half a millisecond of timer rounding tolerated).
      const overdue = Math.floor((this.now() + 0.5 - this.startedAt) / this.intervalMs) - this.next + 1;
      if (overdue <= 0) break;
      const skip = overdue > this.maxCatchUp;
      if (skip) {
        this.skipped += overdue - 1;
        this.next += overdue - 1;
      }
      this.next++;
      cb(skip ? 0 : overdue - 1);
      // The callback may have stopped (end of a file), restarted or moved us.
      if (this.generation !== gen) return;
    }
    this.schedule();
  }
}
