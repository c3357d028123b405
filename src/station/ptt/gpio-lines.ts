import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LineSink, LineSource } from './gpio.js';
import { GPIOD_PACKAGE_HINT, holdArgs, monitorArgs, parseEdge, toolFailure, type GpiodGeneration, type MonitorOptions } from './gpio-tools.js';

/** What a tool printed on stderr is kept to this much: enough for its one-line error. */
const STDERR_KEPT = 4096;

function collectStderr(child: ChildProcess): () => string {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (err.length < STDERR_KEPT) err += d.toString('utf8').slice(0, STDERR_KEPT - err.length);
  });
  return () => err;
}

/** The PTT button: one `gpiomon` for the station's life, its events parsed per generation. */
export class GpiodButton implements LineSource {
  private child: ChildProcess | null = null;

  constructor(
    private readonly gen: GpiodGeneration,
    private readonly opts: MonitorOptions,
    /** The line in words ("PTT button gpiochip0 line 23"), for errors. */
    private readonly what: string,
    private readonly onError: (message: string) => void,
  ) {}

  start(onChange: (active: boolean) => void): void {
    const child = spawn('gpiomon', monitorArgs(this.gen, this.opts), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stderr = collectStderr(child);
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (this.child === child) this.onError(e.code === 'ENOENT' ? `gpiomon not found: ${GPIOD_PACKAGE_HINT}` : `gpiomon: ${e.message}`);
    });
    createInterface({ input: child.stdout }).on('line', (l) => {
      const active = parseEdge(this.gen, l);
      if (active !== null) onChange(active);
    });
    child.on('close', (code) => {
      if (this.child !== child) return;
      this.child = null;
      this.onError(toolFailure('gpiomon', this.what, stderr(), code));
    });
  }

  close(): void {
    const c = this.child;
    this.child = null;
    c?.kill();
  }
}

/**
 * The TX LED. Both generations' gpioset hold the level only while they run (1.6 with
 * --mode=signal, 2.x always), so a change stops the holder and, once it has released
 * the line, starts one for the new level: two at once would find the line busy.
 */
export class GpiodLed implements LineSink {
  private child: ChildProcess | null = null;
  private level: boolean | null = null;
  private wanted: boolean | null = null;
  private closed = false;
  private failed = false;
  /** Holders we ended ourselves: their exit is not a failure. */
  private readonly stopped = new WeakSet<ChildProcess>();

  constructor(
    private readonly gen: GpiodGeneration,
    private readonly chip: string,
    private readonly offset: number,
    private readonly what: string,
    private readonly onError: (message: string) => void,
  ) {}

  set(on: boolean): void {
    this.wanted = on;
    this.step();
  }

  private step(): void {
    if (this.closed || this.failed || this.wanted === null) return;
    if (this.child) {
      if (this.level !== this.wanted) this.stop(this.child);
      return;
    }
    const on = this.wanted;
    const child = spawn('gpioset', holdArgs(this.gen, this.chip, this.offset, on), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.level = on;
    const stderr = collectStderr(child);
    child.on('error', (e: NodeJS.ErrnoException) => {
      this.stopped.add(child);
      this.fail(e.code === 'ENOENT' ? `gpioset not found: ${GPIOD_PACKAGE_HINT}` : `gpioset: ${e.message}`);
    });
    child.on('close', (code) => {
      if (this.child === child) this.child = null;
      if (!this.stopped.has(child)) this.fail(toolFailure('gpioset', this.what, stderr(), code));
      else this.step();
    });
  }

  private stop(child: ChildProcess): void {
    this.stopped.add(child);
    child.kill();
  }

  private fail(message: string): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.onError(message);
  }

  close(): void {
    this.closed = true;
    if (this.child) this.stop(this.child);
    this.child = null;
  }
}
