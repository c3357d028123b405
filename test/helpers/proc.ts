import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onExit } from './cleanup.js';

/**
 * Each child gets its own empty STATE_DIRECTORY unless the test sets one, so a ban one
 * server persists (bans.json) never leaks into another test or the tester's home.
 */
function freshStateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-state-'));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ProcOptions {
  /** Full environment of the child (replaces process.env; spread it yourself to extend). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run inside this network namespace (`ip netns exec <netns> cmd args…`). */
  netns?: string;
  /** Copy every output line to this process's stderr, prefixed; also on with OPV_TEST_ECHO=1. */
  echo?: boolean;
}

interface Waiter {
  re: RegExp;
  resolve: (line: string) => void;
  reject: (err: Error) => void;
}

const live = new Set<Proc>();
let exitHook = false;

/** Kills every Proc still running (SIGKILL to its process group). */
export function killAllProcs(): void {
  for (const p of live) p.kill('SIGKILL');
}

/**
 * A child process whose output is collected line by line, so tests wait for what a
 * user would see instead of sleeping.
 *
 * The child runs in its own process group, and neither it nor its pipes keep the
 * test process alive: when a test file's tests are done, whatever is still running
 * is SIGKILLed (with its children) as the test process exits, instead of the file
 * hanging until the child quits by itself. Awaiting `wait()`/`stop()` keeps it alive.
 */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr lines, interleaved in arrival order. */
  readonly lines: string[] = [];
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  private waiters: Waiter[] = [];
  private readonly exited: Promise<number | null>;
  private closed = false;
  private readonly label: string;
  private readonly echo: boolean;

  constructor(cmd: string, args: string[], opts: ProcOptions = {}) {
    const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
    this.label = `${opts.netns ? `${opts.netns}: ` : ''}${cmd} ${args.join(' ')}`;
    this.echo = opts.echo ?? Boolean(process.env.OPV_TEST_ECHO);
    this.child = spawn(file, argv, {
      env: { ...(opts.env ?? process.env), STATE_DIRECTORY: opts.env?.STATE_DIRECTORY ?? freshStateDir() },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (!exitHook) {
      exitHook = true;
      onExit(killAllProcs);
    }
    live.add(this);
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) unrefStream(s);
    // A child that dies early makes stdin writes fail with EPIPE; that is not a test error.
    this.child.stdin.on('error', () => undefined);

    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.addLine(`[spawn error] ${err.message}`, this.stderrLines);
        live.delete(this);
        resolve(null);
      });
      this.child.on('exit', (code) => {
        live.delete(this);
        resolve(code);
      });
    });
    let open = 2;
    const ended = (): void => {
      if (--open === 0) this.onClosed();
    };
    this.collect(this.child.stdout, this.stdoutLines, ended);
    this.collect(this.child.stderr, this.stderrLines, ended);
    this.child.on('error', () => this.onClosed());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the child has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && live.has(this);
  }

  /** All output so far, one line per line. */
  get output(): string {
    return this.lines.join('\n');
  }

  /**
   * Resolves with the first line matching `re` among lines from index `from` on
   * (already seen or still to come). Rejects on timeout, or as soon as the process has
   * exited and closed its output without printing one; the error carries the output tail.
   */
  waitForLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => matches(re, l));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(this.failure(`exited (${this.describeExit()}) before printing a line matching ${re}`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        re,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(this.failure(`timed out after ${timeoutMs} ms waiting for a line matching ${re}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Number of lines so far matching `re`. */
  count(re: RegExp): number {
    return this.lines.filter((l) => matches(re, l)).length;
  }

  /** Writes `text` and a newline to the child's stdin. */
  sendLine(text: string): void {
    if (!this.child.stdin.writable) throw new Error(`${this.label}: stdin is closed`);
    this.child.stdin.write(text + '\n');
  }

  /** Closes the child's stdin (EOF). */
  closeStdin(): void {
    this.child.stdin.end();
  }

  /** Sends `signal` to the child's process group without waiting. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  /**
   * Sends `signal` to the child (and its process group), escalates to SIGKILL after
   * `graceMs`, and resolves with the exit code (null when it died of a signal).
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.kill(signal);
    const t = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.wait();
    } finally {
      clearTimeout(t);
    }
  }

  /** Resolves with the exit code once the child exits (null: killed by a signal). */
  async wait(): Promise<number | null> {
    this.child.ref();
    try {
      return await this.exited;
    } finally {
      this.child.unref();
    }
  }

  /** Like wait(), but rejects if the child is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.failure(`still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.wait(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private collect(stream: Readable, own: string[], ended: () => void): void {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) this.addLine(p.endsWith('\r') ? p.slice(0, -1) : p, own);
    });
    stream.on('close', () => {
      if (rest) this.addLine(rest, own);
      rest = '';
      ended();
    });
  }

  private addLine(line: string, own: string[]): void {
    this.lines.push(line);
    own.push(line);
    if (this.echo) process.stderr.write(`[${this.child.pid ?? '?'}] ${line}\n`);
    const hit = this.waiters.filter((w) => matches(w.re, line));
    if (hit.length === 0) return;
    this.waiters = this.waiters.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(line);
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    // 'exit' may come after the pipes close; give the code a moment to be known.
    void this.exited.then(() => {
      const pending = this.waiters;
      this.waiters = [];
      for (const w of pending) w.reject(this.failure(`exited (${this.describeExit()}) before printing a line matching ${w.re}`));
    });
  }

  private describeExit(): string {
    if (this.child.signalCode !== null) return `signal ${this.child.signalCode}`;
    if (this.child.exitCode !== null) return `code ${this.child.exitCode}`;
    return 'output closed';
  }

  private failure(what: string): Error {
    const tail = this.lines.slice(-40).join('\n');
    return new Error(`${this.label}: ${what}\n--- output (last 40 lines) ---\n${tail}`);
  }
}

/** Shorthand for `new Proc(cmd, args, opts)`. */
export function spawnProc(cmd: string, args: string[], opts: ProcOptions = {}): Proc {
  return new Proc(cmd, args, opts);
}

/** `re.test` without the lastIndex surprises of /g and /y regexes. */
function matches(re: RegExp, line: string): boolean {
  re.lastIndex = 0;
  return re.test(line);
}

function unrefStream(s: unknown): void {
  if (typeof s === 'object' && s !== null && 'unref' in s && typeof s.unref === 'function') (s as { unref(): void }).unref();
}
