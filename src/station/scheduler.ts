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
 *
 * Priority applies between messages, never inside one: the receiver reassembles one
 * byte stream per station, so a voice frame slipped between the frames of a long chat
 * line would corrupt both. Once a message's first frame is out, the rest follow back
 * to back (a 400-character line delays PTT by at most a few slots).
 */
export class Scheduler {
  /** Per lane, whole messages (each a list of frames) waiting to start. */
  private readonly queues: Record<Lane, Uint8Array[][]> = { voice: [], control: [], text: [], data: [] };
  /** The remaining frames of the message on the air, which nothing may interrupt. */
  private current: Uint8Array[] = [];
  private queuedFrames = 0;
  private nextSlot = -Infinity;
  private timer: unknown = null;
  sent = 0;

  constructor(
    private readonly send: (frame: Uint8Array) => void,
    private readonly clock: SchedulerClock = realClock,
    private readonly intervalMs = FRAME_INTERVAL_MS,
  ) {}

  /** Queues one message (its frames, in order) in `lane`. */
  enqueue(lane: Lane, frames: Uint8Array[]): void {
    if (frames.length === 0) return;
    this.queues[lane].push(frames.slice());
    this.queuedFrames += frames.length;
    this.pump();
  }

  /** Frames not yet sent (in `lane`: of messages not yet started). */
  pending(lane?: Lane): number {
    if (lane) return this.queues[lane].reduce((n, m) => n + m.length, 0);
    return this.queuedFrames + this.current.length;
  }

  /** Drops the messages of `lane` that have not started; one already on the air finishes. */
  clear(lane: Lane): void {
    for (const m of this.queues[lane]) this.queuedFrames -= m.length;
    this.queues[lane].length = 0;
  }

  private nextFrame(): Uint8Array | undefined {
    if (this.current.length === 0) {
      const lane = LANES.find((l) => this.queues[l].length > 0);
      if (lane === undefined) return undefined;
      this.current = this.queues[lane].shift()!;
      this.queuedFrames -= this.current.length;
    }
    return this.current.shift();
  }

  private pump(): void {
    const now = this.clock.now();
    // An idle link restarts the slot grid now instead of bursting to catch up.
    if (this.nextSlot < now - this.intervalMs) this.nextSlot = now;
    while (this.nextSlot <= now + 1) {
      const frame = this.nextFrame();
      if (frame === undefined) return;
      this.send(frame);
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
    this.current = [];
    this.queuedFrames = 0;
  }
}
