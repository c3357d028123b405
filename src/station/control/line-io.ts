import { createInterface } from 'node:readline';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { StationView } from '../commands/types.js';
import { ControlSocket, type LineHandler } from './control-socket.js';
import { controlSocketPath } from './socket-path.js';

/**
 * The streams line mode reads and writes when the station runs as a service: its input
 * is the terminal's (or /dev/null's) lines plus those typed in attached sessions; its
 * output goes to stdout (for journald: a syslog priority prefix on errors and
 * warnings, timestamps left to the journal as the server does) and to every attached
 * session.
 */
export interface LineIO {
  input: Readable;
  output: Writable;
  close(): void;
}

/** journald reads "<3>" at the start of a line as priority err, "<4>" as warning (sd-daemon.h). */
export function journalPriority(line: string): string {
  if (/^(❌|⛔)/u.test(line)) return '<3>';
  if (/^⚠/u.test(line)) return '<4>';
  return '';
}

/**
 * systemd sets JOURNAL_STREAM for a unit's stdout; journald stamps every line itself (the
 * server decides its timestamps the same way, src/server/log-time.ts).
 */
export function underJournald(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.JOURNAL_STREAM);
}

/** Under journald, stdout lines carry their priority. */
function stdoutWriter(env: NodeJS.ProcessEnv): (text: string) => void {
  if (!underJournald(env)) return (text) => void process.stdout.write(text);
  return (text) =>
    void process.stdout.write(
      text
        .split(/(?<=\n)/)
        .map((l) => journalPriority(l) + l)
        .join(''),
    );
}

/**
 * Lines typed in an attached session go to line mode's own handler: today by writing them
 * to its input; with one command table (line, output) → this becomes that call.
 */
function lineModeAdapter(input: PassThrough): LineHandler {
  return (line) => void input.write(`${line}\n`);
}

export interface LineIOOptions {
  /** The control socket's path; null: none. */
  controlSocket: string | null;
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the control socket when asked (before the interface opens: what happened is
 * among the notices it shows first; a failure is a notice, not a stop: the station
 * runs on without it) and returns line mode's streams.
 */
export async function openLineIO(engine: StationView, stdin: Readable, o: LineIOOptions): Promise<LineIO> {
  const env = o.env ?? process.env;
  const input = new PassThrough();
  const rl = createInterface({ input: stdin, terminal: false });
  rl.on('line', (l) => input.write(`${l}\n`));
  const toStdout = stdoutWriter(env);
  let socket: ControlSocket | null = null;
  if (o.controlSocket !== null) {
    const started = new Date();
    const s = new ControlSocket(
      o.controlSocket,
      () => `📎 attached to ${engine.callsign} on ${engine.settings.server}:${engine.settings.port}, running since ${started.toLocaleString('en-GB', { hour12: false })}; quit or Ctrl+D detaches, the station keeps running`,
      lineModeAdapter(input),
    );
    try {
      await s.listen();
      socket = s;
      engine.startupNotices.push({ level: 'info', text: `control socket ${o.controlSocket}: opv station --attach ${engine.callsign} joins this station` });
    } catch (e) {
      engine.startupNotices.push({ level: 'warn', text: `${(e as Error).message}; the station runs without it` });
    }
  }
  const output = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = chunk.toString();
      toStdout(text);
      socket?.broadcast(text);
      done();
    },
  });
  return {
    input,
    output,
    close: () => {
      rl.close();
      socket?.close();
    },
  };
}

/** The path `--control-socket` means: its value, or the default for this callsign. */
export function controlSocketFor(flag: string | boolean | undefined, callsign: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (flag === undefined || flag === false) return null;
  return flag === true ? controlSocketPath(callsign, env) : flag;
}
