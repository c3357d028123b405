import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onExit } from './cleanup.js';

export interface TmuxOptions {
  width?: number;
  height?: number;
  /** Extra environment for the command (on top of this process's environment). */
  env?: Record<string, string>;
  cwd?: string;
  /** TERM inside the session; default xterm-256color. */
  term?: string;
}

let seq = 0;

/**
 * The pause between two looks at the screen: 50 ms for the first second (most waits end
 * there), then 200 ms. Each look is a tmux client, about 10 ms of CPU: polling a long wait
 * at 20 a second cost the suite more than a minute of CPU.
 */
function pollPause(since: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Date.now() - since < 1000 ? 50 : 200));
}

/** What tmux writes below a dead pane's last screen (after scrolling it up one line). */
const DEAD_MARK = '[opv-test: program exited]';

/**
 * A program running in a detached tmux session of exactly `width`×`height` cells (no
 * status line): a real terminal for UI tests, also without a TTY (CI). Each session
 * has its own tmux server (`tmux -L <unique socket>`, no user config), which kill()
 * and process exit shut down. When the program exits the pane stays (remain-on-exit)
 * so its last screen can still be captured, and exitStatus() reports how it ended.
 */
export class TmuxSession {
  readonly socket: string;
  readonly target = 'opv:0.0';
  private readonly confDir: string;
  /** The server's socket file; kill-server leaves it behind. */
  private socketPath = '';
  private killed = false;
  private readonly unregister: () => void;

  /** `command` is a shell command line, or an argv array (quoted for you). */
  constructor(command: string | string[], opts: TmuxOptions = {}) {
    this.socket = `opvtest-${process.pid}-${seq++}`;
    this.confDir = mkdtempSync(path.join(tmpdir(), 'opv-tmux-'));
    const conf = path.join(this.confDir, 'tmux.conf');
    // Set in the config so they hold before the command starts (no race with a fast exit).
    writeFileSync(
      conf,
      [
        'set -g status off',
        'set -g remain-on-exit on',
        `set -g remain-on-exit-format "${DEAD_MARK}"`,
        `set -g default-terminal "${opts.term ?? 'xterm-256color'}"`,
        'set -g history-limit 5000',
        'set -g escape-time 0',
        'set -g exit-empty off',
        'setw -g aggressive-resize off',
        '',
      ].join('\n'),
    );
    this.unregister = onExit(() => this.kill());
    const line = Array.isArray(command) ? command.map(shellQuote).join(' ') : command;
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmuxWithConf(conf, [
      'new-session', '-d', '-s', 'opv',
      '-x', String(opts.width ?? 80), '-y', String(opts.height ?? 24),
      ...(opts.cwd ? ['-c', opts.cwd] : []),
      ...env,
      line,
    ]);
    this.socketPath = this.tmux(['display-message', '-p', '#{socket_path}']).trim();
  }

  private tmuxWithConf(conf: string, args: string[]): string {
    try {
      return execFileSync('tmux', ['-L', this.socket, '-f', conf, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 10_000,
        env: { ...process.env, TMUX: '' },
      });
    } catch (e) {
      const stderr = typeof e === 'object' && e !== null && 'stderr' in e ? String(e.stderr).trim() : '';
      throw new Error(`tmux ${args[0] ?? ''} failed: ${stderr || (e instanceof Error ? e.message : String(e))}`);
    }
  }

  private tmux(args: string[]): string {
    if (this.killed) throw new Error(`tmux ${args[0] ?? ''}: the session was killed`);
    return this.tmuxWithConf(path.join(this.confDir, 'tmux.conf'), args);
  }

  /** tmux send-keys: key names like 'Enter', 'C-c', 'Up', or text. */
  sendKeys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...keys]);
  }

  /** Pastes `text` as a terminal paste would (bracketed, when the program asked for it). */
  paste(text: string): void {
    this.tmux(['set-buffer', '-b', 'opvpaste', '--', text]);
    this.tmux(['paste-buffer', '-p', '-d', '-b', 'opvpaste', '-t', this.target]);
  }

  /** Types `text` literally (no key-name interpretation). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.target, '-l', text]);
  }

  /**
   * The visible screen, one line per row. Once the program has exited, the screen it
   * left (tmux scrolls it up a line to show its exit notice; this undoes that).
   */
  capture(): string {
    // One tmux client per poll while the program runs (the pane's state and its screen in
    // one command sequence): UI tests poll the screen every 50 ms, and each client is a process.
    const out = this.tmux(['display-message', '-p', '-t', this.target, '#{pane_dead}', ';', 'capture-pane', '-p', '-t', this.target]);
    const nl = out.indexOf('\n');
    if (out.slice(0, nl) !== '1') return out.slice(nl + 1);
    const { dead, height } = this.paneState();
    if (!dead) return this.tmux(['capture-pane', '-p', '-t', this.target]);
    const rows = this.tmux(['capture-pane', '-p', '-S', String(-height - 1), '-t', this.target]).split('\n');
    const mark = rows.lastIndexOf(DEAD_MARK);
    if (mark < 0) return rows.slice(-height - 1).join('\n');
    return rows.slice(Math.max(0, mark - height), mark).join('\n') + '\n';
  }

  /** The visible screen with its colours (SGR sequences as tmux keeps them). */
  captureEscapes(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.target]);
  }

  /** The title the program set (OSC 0/2), as tmux shows it. */
  paneTitle(): string {
    return this.tmux(['display-message', '-p', '-t', this.target, '#{pane_title}']).trim();
  }

  /** Screen plus scrollback (up to `lines` lines of history). */
  captureHistory(lines = 5000): string {
    return this.tmux(['capture-pane', '-p', '-S', String(-lines), '-t', this.target]);
  }

  /**
   * tmux marks the pane dead when the pty closes, which can be before it has reaped the
   * program; only then is the status known, so "dead" here means "dead and reaped".
   */
  private paneState(): { dead: boolean; status: number; height: number } {
    const query = (): string[] =>
      this.tmux(['display-message', '-p', '-t', this.target, '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pane_height}']).trim().split('|');
    let [dead, status, signal, height] = query();
    if (dead === '1' && status === '' && signal === '') {
      // tmux 3.3a can miss the SIGCHLD of a program that exits while its server starts,
      // leaving it an unreaped zombie; any later child exit makes tmux reap all of them.
      this.tmux(['run-shell', 'true']);
      [dead, status, signal, height] = query();
    }
    const reaped = dead === '1' && (status !== '' || signal !== '');
    // Killed by a signal: report it as a shell would (128 + signal number).
    const code = status !== '' ? Number(status) : 128 + Number(signal);
    return { dead: reaped, status: code, height: Number(height) };
  }

  /** Polls the screen until `test` matches; resolves with that screen or rejects with the last one. */
  async waitForScreen(test: RegExp | ((screen: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const start = Date.now();
    const deadline = start + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.capture();
      if (typeof test === 'function' ? test(screen) : matches(test, screen)) return screen;
      if (Date.now() >= deadline) break;
      await pollPause(start);
    }
    const status = this.exitStatus();
    const why = status === null ? '' : ` (the program exited with status ${status})`;
    throw new Error(`screen did not match ${String(test)} within ${timeoutMs} ms${why}; last screen:\n${screen}`);
  }

  /** Resizes the window (the program gets SIGWINCH). */
  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.target, '-x', String(width), '-y', String(height)]);
  }

  /** Current pane size. */
  size(): { width: number; height: number } {
    const [w, h] = this.tmux(['display-message', '-p', '-t', this.target, '#{pane_width} #{pane_height}']).trim().split(' ');
    return { width: Number(w), height: Number(h) };
  }

  /** Exit status of the program once it has exited, null while it runs. */
  exitStatus(): number | null {
    const { dead, status } = this.paneState();
    return dead ? status : null;
  }

  /** Polls until the program has exited and resolves with its exit status. */
  async waitForExit(timeoutMs = 10_000): Promise<number> {
    const start = Date.now();
    const deadline = start + timeoutMs;
    for (;;) {
      const s = this.exitStatus();
      if (s !== null) return s;
      if (Date.now() >= deadline) throw new Error(`program still running after ${timeoutMs} ms; screen:\n${this.capture()}`);
      await pollPause(start);
    }
  }

  /** Kills the tmux server (and so the program). Idempotent. */
  kill(): void {
    if (this.killed) return;
    this.unregister();
    try {
      this.tmux(['kill-server']);
    } catch {
      // Server already gone.
    }
    this.killed = true;
    rmSync(this.confDir, { recursive: true, force: true });
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

function matches(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.,:=+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Every foreground colour used in a captureEscapes() screen, as SGR numbers ("30", "90", "38;5;8"…). */
export function sgrForegrounds(escaped: string): string[] {
  const out: string[] = [];
  for (const m of escaped.matchAll(/\x1b\[([\d;]*)m/g)) {
    const p = m[1]!.split(';');
    for (let i = 0; i < p.length; i++) {
      const n = Number(p[i]);
      if (n === 38 && p[i + 1] === '5') {
        out.push(`38;5;${p[i + 2]}`);
        i += 2;
      } else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) out.push(String(n));
    }
  }
  return out;
}
