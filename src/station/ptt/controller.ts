import { TypedEmitter } from '../../util/typed-emitter.js';
import type { LineSink } from './gpio.js';

/** The timer functions PTT needs, injectable so tests drive the time-out with their own clock. */
export interface PttTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: PttTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The transmitter as the controller sees it. */
export interface PttTransmitter {
  readonly pttActive: boolean;
  setPtt(on: boolean): void;
}

/** Where a PTT request came from (said in the diagnostic log and in refusals). */
export type PttSource = 'key' | 'gpio' | 'command' | 'hold';

export interface PttControllerEvents {
  /** Keying was refused: the reason in words ("no microphone (--no-audio)"). */
  refused: { reason: string; source: PttSource };
  /** The time-out ended a transmission left on. */
  timeout: { seconds: number };
}

export interface PttControllerOptions {
  transmitter: PttTransmitter;
  /** Why the station cannot transmit now (no microphone, refused by the server, not connected), or null. */
  refusal: () => string | null;
  timeoutS: number;
  timers?: PttTimers;
  /** The TX LED, lit while the transmitter is keyed (whatever keyed it). */
  led?: LineSink | null;
}

/**
 * The one push-to-talk path for every source: the keyboard (toggle, or hold where the
 * terminal reports key release), a GPIO button, line mode's /ptt and an attached
 * control socket. It owns what must hold whichever source keyed: the refusals, the
 * time-out (a stuck key or button, a forgotten `/ptt on` on a headless station) and
 * the TX LED. The transmitter's own changes (an --audio-in file ending, the station
 * closing) reach it through `txChanged`.
 */
export class PttController extends TypedEmitter<PttControllerEvents> {
  private timer: unknown = null;
  private led: LineSink | null;
  private ledOn: boolean | null = null;
  private readonly timers: PttTimers;

  constructor(private readonly opts: PttControllerOptions) {
    super();
    this.timers = opts.timers ?? realTimers;
    this.led = opts.led ?? null;
  }

  get active(): boolean {
    return this.opts.transmitter.pttActive;
  }

  get timeoutS(): number {
    return this.opts.timeoutS;
  }

  /** A toggle (a key press in terminals without key release, `/ptt`): flips the transmitter. */
  press(source: PttSource = 'key'): boolean {
    return this.set(!this.active, source);
  }

  /** Hold-to-talk (a button, a key that reports release): down keys, up unkeys. */
  hold(down: boolean, source: PttSource = 'hold'): boolean {
    if (down && this.active) return true;
    return this.set(down, source);
  }

  /** Keys (true) or unkeys; false when keying was refused (the reason went out as `refused`). */
  set(on: boolean, source: PttSource = 'command'): boolean {
    if (!on) {
      this.disarm();
      if (this.active) this.opts.transmitter.setPtt(false);
      this.txChanged(this.active);
      return true;
    }
    if (this.active) return true;
    const why = this.opts.refusal();
    if (why !== null) {
      this.emit('refused', { reason: why, source });
      return false;
    }
    this.opts.transmitter.setPtt(true);
    this.arm();
    this.txChanged(this.active);
    return true;
  }

  /** The LED follows the transmitter; a transmission that ended by itself disarms the time-out. */
  txChanged(active: boolean): void {
    if (!active) this.disarm();
    if (this.led !== null && this.ledOn !== active) {
      this.ledOn = active;
      this.led.set(active);
    }
  }

  /** The LED of a GPIO set up after the controller (off until keyed). */
  attachLed(led: LineSink): () => void {
    this.led = led;
    this.ledOn = null;
    this.txChanged(this.active);
    return () => {
      if (this.led !== led) return;
      led.set(false);
      this.led = null;
    };
  }

  private arm(): void {
    this.disarm();
    const s = this.opts.timeoutS;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.active) return;
      this.opts.transmitter.setPtt(false);
      this.txChanged(false);
      this.emit('timeout', { seconds: s });
    }, s * 1000);
  }

  /** Cancels the time-out without touching the transmitter (leaving). */
  disarm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  get armed(): boolean {
    return this.timer !== null;
  }
}
