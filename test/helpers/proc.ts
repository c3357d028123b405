import { spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
}

/**
 * A child process whose output is collected line by line, so tests wait for what a
 * user would see instead of sleeping.
 */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  private exited: Promise<number | null>;

  constructor(cmd: string, args: string[], opts: ProcOptions = {}) {
    const [c, a] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
    this.child = spawn(c, a, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this.child);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.on('exit', () => live.delete(this.child));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream?.on('data', (d: Buffer) => {
        const parts = (rest + d.toString()).split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) this.addLine(p);
      });
      stream?.on('end', () => {
        if (rest) this.addLine(rest);
        rest = '';
      });
    }
  }

  private addLine(line: string): void {
    this.lines.push(line);
    if (process.env.OPV_TEST_ECHO) process.stderr.write(`[${this.child.pid}] ${line}\n`);
    this.waiters = this.waiters.filter((w) => {
      if (w.re.test(line)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first line (seen so far or later, from index `from`) matching `re`. */
  waitForLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} — output so far:\n${this.output.slice(-3000)}`));
      }, timeoutMs);
      const done = (l: string): void => {
        clearTimeout(t);
        resolve(l);
      };
      this.waiters.push({ re, from, resolve: done });
    });
  }

  /** Counts lines matching `re`. */
  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  sendLine(text: string): void {
    this.child.stdin?.write(text + '\n');
  }

  /** Sends `signal` and resolves with the exit code (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }
}
