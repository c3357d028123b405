/**
 * Real-time pacing for a capture device. A sound card hands over 40 ms every 40 ms; a
 * device with no clock of its own (ALSA's `file` plugin over `null`, some virtual
 * devices) hands over as fast as it can be read, and the station once turned a 9 s
 * PTT into a 433 s transmission sent in a burst. Frames pass through a token bucket
 * filled one token per 40 ms tick of the frame clock: a real card's frames go straight
 * through (up to TOKENS_MAX frames of jitter absorbed), a device that runs ahead queues,
 * the source is paused (backpressure to arecord) above HIGH_WATER, and if it still
 * overflows MAX_QUEUED the oldest frames are dropped and counted.
 */
import { FrameClock } from './frame-clock.js';
import { FRAME_INTERVAL_MS } from '../protocol/constants.js';

/** Frames queued before the source is paused, and the level at which it is resumed. */
export const PACER_HIGH_WATER = 5;
const PACER_LOW_WATER = 2;
/** Frames held at most (2 s); beyond it the oldest are dropped. */
export const PACER_MAX_QUEUED = 50;
/** Frame slots a late device may catch up on at once (80 ms of jitter). */
const TOKENS_MAX = 2;

/** What a capture device delivered, cumulative over every start. */
export interface CaptureCounters {
  /** Frames read from the device. */
  captured: number;
  /** Frames handed on, at most one per 40 ms on average. */
  delivered: number;
  /** Frames dropped because the device ran more than MAX_QUEUED frames ahead. */
  dropped: number;
  /** 40 ms slots that passed with no frame from the device (beyond the jitter absorbed): gaps in the audio. */
  gaps: number;
}

/** The tick source; FrameClock on the station's monotonic clock unless a test drives it by hand. */
export interface PacerTicker {
  start(onTick: () => void): void;
  stop(): void;
}

/** Where the frames come from, so a source that runs ahead can be held back. */
export interface PacerFlow {
  pause(): void;
  resume(): void;
}

export class CapturePacer {
  readonly counters: CaptureCounters = { captured: 0, delivered: 0, dropped: 0, gaps: 0 };
  private readonly queue: Int16Array[] = [];
  private readonly ticker: PacerTicker;
  private tokens = 0;
  private ticking = false;
  private paused = false;
  private flow: PacerFlow | null = null;
  private onFrame: ((pcm: Int16Array) => void) | null = null;

  constructor(opts: { ticker?: PacerTicker; now?: () => number } = {}) {
    this.ticker = opts.ticker ?? new FrameClock({ intervalMs: FRAME_INTERVAL_MS, firstTick: 1, now: opts.now });
  }

  /** Frames pushed from now on go to `onFrame`; the clock starts with the first of them. */
  start(onFrame: (pcm: Int16Array) => void, flow: PacerFlow): void {
    this.stop();
    this.onFrame = onFrame;
    this.flow = flow;
  }

  /** Frames still queued are discarded (PTT released): nothing is sent after it. */
  stop(): void {
    this.ticker.stop();
    this.ticking = false;
    this.queue.length = 0;
    this.tokens = 0;
    if (this.paused) this.flow?.resume();
    this.paused = false;
    this.onFrame = null;
    this.flow = null;
  }

  get queued(): number {
    return this.queue.length;
  }

  push(frame: Int16Array): void {
    if (this.onFrame === null) return;
    this.counters.captured++;
    if (!this.ticking) {
      // The grid starts when the device does: arecord's start-up is not a gap.
      this.ticking = true;
      this.tokens = 1;
      this.ticker.start(() => this.tick());
    }
    if (this.tokens > 0 && this.queue.length === 0) {
      this.tokens--;
      this.deliver(frame);
      return;
    }
    this.queue.push(frame);
    if (this.queue.length > PACER_MAX_QUEUED) {
      this.queue.shift();
      this.counters.dropped++;
    }
    if (this.queue.length >= PACER_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.flow?.pause();
    }
  }

  private tick(): void {
    const next = this.queue.shift();
    if (next !== undefined) {
      this.deliver(next);
      if (this.paused && this.queue.length <= PACER_LOW_WATER) {
        this.paused = false;
        this.flow?.resume();
      }
    } else if (this.tokens < TOKENS_MAX) this.tokens++;
    else this.counters.gaps++;
  }

  private deliver(frame: Int16Array): void {
    this.counters.delivered++;
    this.onFrame?.(frame);
  }
}
