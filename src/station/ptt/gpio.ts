import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { OpvError } from '../../errors.js';

/**
 * GPIO push-to-talk and TX LED through libgpiod's command-line tools (Debian `gpiod`),
 * which work on current Raspberry Pi kernels where the old sysfs interface is gone.
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

/** Fails with one line when the chip is missing, so the station keeps running without GPIO. */
export function checkGpioChip(chip: string): void {
  const dev = chip.startsWith('/dev/') ? chip : `/dev/${chip}`;
  if (!existsSync(dev)) throw new GpioError(`no GPIO chip ${dev}: --ptt-gpio/--led-gpio need a Raspberry Pi (or another libgpiod GPIO chip)`);
}

/** A button between the line and ground, with the internal pull-up: pressed reads active. */
export class GpiomonButton implements LineSource {
  private child: ChildProcess | null = null;

  constructor(
    private readonly chip: string,
    private readonly line: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(onChange: (active: boolean) => void): void {
    const child = spawn('gpiomon', ['-B', 'pull-up', '-l', '-b', '-F', '%e', this.chip, String(this.line)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.on('error', (e) => this.onError(`gpiomon: ${e.message} (install Debian package gpiod)`));
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.trim() === '1') onChange(true);
      else if (l.trim() === '0') onChange(false);
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (this.child === child && code !== null && code !== 0) this.onError(`gpiomon stopped: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
    });
  }

  close(): void {
    const c = this.child;
    this.child = null;
    c?.kill();
  }
}

/** The TX LED: `gpioset --mode=signal` holds a level until it is told to stop. */
export class GpiosetLed implements LineSink {
  private child: ChildProcess | null = null;

  constructor(
    private readonly chip: string,
    private readonly line: number,
  ) {}

  set(on: boolean): void {
    this.child?.kill();
    this.child = spawn('gpioset', ['--mode=signal', this.chip, `${this.line}=${on ? 1 : 0}`], { stdio: 'ignore' });
    this.child.on('error', () => undefined);
  }

  close(): void {
    this.child?.kill();
    this.child = null;
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
