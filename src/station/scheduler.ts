import { FRAME_INTERVAL_MS } from '../protocol/index.js';

/** Transmission lane first: PTT_START, voice and PTT_STOP share it so their order holds. */
export type Lane = 'voice' | 'control' | 'text' | 'data';
const LANES: readonly Lane[] = ['voice', 'control', 'text', 'data'];

export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * One frame per 40 ms slot, highest lane first. Slots are counted from a fixed origin
 * while busy (drift-free: 25 frames/s on average, whatever the timer jitter), and a
 * frame arriving at an idle scheduler goes out at once, so voice gains no latency.
 */
export class Scheduler {
  private readonly queues: Record<Lane, Uint8Array[]> = { voice: [], control: [], text: [], data: [] };
  private nextSlot = -Infinity;
  private timer: unknown = null;
  sent = 0;

  constructor(
    private readonly send: (frame: Uint8Array) => void,
    private readonly clock: SchedulerClock = realClock,
    private readonly intervalMs = FRAME_INTERVAL_MS,
  ) {}

  enqueue(lane: Lane, frames: Uint8Array[]): void {
    this.queues[lane].push(...frames);
    this.pump();
  }

  pending(lane?: Lane): number {
    return lane ? this.queues[lane].length : LANES.reduce((n, l) => n + this.queues[l].length, 0);
  }

  /** Drops what has not gone out yet in `lane`. */
  clear(lane: Lane): void {
    this.queues[lane].length = 0;
  }

  private pump(): void {
    const now = this.clock.now();
    // An idle link restarts the slot grid now instead of bursting to catch up.
    if (this.nextSlot < now - this.intervalMs) this.nextSlot = now;
    while (this.nextSlot <= now + 1) {
      const lane = LANES.find((l) => this.queues[l].length > 0);
      if (lane === undefined) return;
      this.send(this.queues[lane].shift()!);
      this.sent++;
      this.nextSlot += this.intervalMs;
    }
    if (this.timer === null && this.pending() > 0) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, Math.max(0, this.nextSlot - now));
    }
  }

  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const l of LANES) this.queues[l].length = 0;
  }
}
