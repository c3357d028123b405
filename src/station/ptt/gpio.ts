import { OpvError } from '../../errors.js';

/**
 * GPIO push-to-talk and TX LED through libgpiod's command-line tools (Debian `gpiod`),
 * which work on current Raspberry Pi kernels where the old sysfs interface is gone
 * (gpio-lines.ts drives the tools, gpio-tools.ts knows both of their grammars).
 * Behind two small interfaces so tests drive the logic with a fake line.
 */

/** An input line: reports its (debounced later) level changes; true = button pressed. */
export interface LineSource {
  start(onChange: (active: boolean) => void): void;
  close(): void;
}

/** An output line (the LED). */
export interface LineSink {
  set(on: boolean): void;
  close(): void;
}

export class GpioError extends OpvError {
  override readonly name = 'GpioError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_GPIO', message, options);
  }
}

/**
 * Hold-to-talk from a line: pressed keys the transmitter, released unkeys it. A change
 * counts only once the line has held its new level for `debounceMs`, so contact bounce
 * never chatters PTT_START/PTT_STOP onto the air.
 */
export class GpioPtt {
  private stable = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: LineSource,
    private readonly onPtt: (active: boolean) => void,
    private readonly debounceMs = 30,
  ) {}

  start(): void {
    this.source.start((active) => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      if (active === this.stable) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.stable = active;
        this.onPtt(active);
      }, this.debounceMs);
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.source.close();
  }
}
