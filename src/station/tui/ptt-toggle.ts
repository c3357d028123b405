/**
 * Push-to-talk for a keyboard that reports presses only (most terminals): each press
 * toggles, and a time-out ends a transmission left on, as a stuck key would on a rig.
 */
export class PttToggle {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly set: (on: boolean) => void,
    private readonly isOn: () => boolean,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
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
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.isOn()) {
        this.set(false);
        this.onTimeout();
      }
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
