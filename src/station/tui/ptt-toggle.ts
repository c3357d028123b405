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
