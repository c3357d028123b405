import { execFileSync } from 'node:child_process';

/** A program running in a detached tmux session of a fixed size: a real terminal for UI tests. */
export class TmuxSession {
  private readonly socket: string;
  private readonly name = 'opv';

  constructor(command: string, opts: { width?: number; height?: number; env?: Record<string, string> } = {}) {
    this.socket = `opvtest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    this.tmux([
      'new-session', '-d', '-s', this.name,
      '-x', String(opts.width ?? 80), '-y', String(opts.height ?? 24),
      `${env} ${command}; echo "[exit $?]"; sleep 30`,
    ]);
    this.tmux(['set-option', '-t', this.name, 'remain-on-exit', 'on']);
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm-256color' } });
  }

  sendKeys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  /** Types text literally (no key-name interpretation). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  capture(): string {
    return this.tmux(['capture-pane', '-p', '-t', this.name]);
  }

  async waitForScreen(test: RegExp | ((screen: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (typeof test === 'function' ? test(screen) : test.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen did not match ${String(test)} within ${timeoutMs} ms:\n${screen}`);
  }

  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
