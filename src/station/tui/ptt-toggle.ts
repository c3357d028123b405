/** The timer functions PTT needs, injectable so tests drive the time-out with their own clock. */
export interface PttTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: PttTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Push-to-talk from a keyboard: in terminals that report presses only, each press
 * toggles; where key release is reported (kitty protocol), `hold` keys while the key is
 * down. Either way a time-out ends a transmission left on, as a stuck key would on a rig.
 */
export class PttToggle {
  private timer: unknown = null;

  constructor(
    private readonly set: (on: boolean) => void,
    private readonly isOn: () => boolean,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
    private readonly timers: PttTimers = realTimers,
  ) {}

  press(): void {
    if (this.isOn()) this.release();
    else {
      this.set(true);
      this.arm();
    }
  }

  /** Hold-to-talk (terminals that report key release): down keys, up unkeys. */
  hold(down: boolean): void {
    if (down && !this.isOn()) {
      this.set(true);
      this.arm();
    } else if (!down) this.release();
  }

  release(): void {
    this.disarm();
    if (this.isOn()) this.set(false);
  }

  private arm(): void {
    this.disarm();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.isOn()) {
        this.set(false);
        this.onTimeout();
      }
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
