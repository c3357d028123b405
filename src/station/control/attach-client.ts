import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { OpvError } from '../../errors.js';
import { loadSettingsFile, configFile } from '../settings.js';
import { controlSocketPath } from './socket-path.js';

/**
 * `opv station --attach [CALL]`: joins a station running on this machine (the service)
 * through its control socket. What the station prints streams here, lines typed here go
 * to it; quit, Ctrl+D or Ctrl+C leave the session and the station runs on.
 */

export interface AttachTarget {
  socket: string;
  callsign: string | null;
}

/** The socket to join: --control-socket, else CALL's (from the argument or the settings file), else the only one there is. */
export function attachTarget(callsign: string | undefined, flags: { controlSocket?: string | boolean; config?: string }, env: NodeJS.ProcessEnv = process.env): AttachTarget {
  if (typeof flags.controlSocket === 'string') return { socket: flags.controlSocket, callsign: callsign ?? null };
  const call = callsign ?? (loadSettingsFile(flags.config ?? configFile(env)).callsign);
  if (call) return { socket: controlSocketPath(call, env), callsign: call };
  const dir = path.dirname(controlSocketPath('X', env));
  let socks: string[] = [];
  try {
    socks = readdirSync(dir).filter((f) => /^station-.+\.sock$/.test(f));
  } catch {
    // No directory: no station has opened a socket here.
  }
  if (socks.length === 1) return { socket: path.join(dir, socks[0]!), callsign: null };
  throw new OpvError(
    'OPV_BAD_FLAG',
    socks.length === 0
      ? `no running station's control socket in ${dir}: opv station --attach CALL (as the station's user, e.g. sudo -u opv-station -H opv station --attach CALL)`
      : `several stations run here (${socks.map((f) => f.slice('station-'.length, -'.sock'.length)).join(', ')}): opv station --attach CALL`,
  );
}

/** Runs the session; resolves with the exit status. */
export function runAttach(t: AttachTarget, stdin: NodeJS.ReadStream = process.stdin, stdout: NodeJS.WriteStream = process.stdout): Promise<number> {
  return new Promise((resolve) => {
    const sock = connect(t.socket);
    const who = t.callsign ?? 'the station';
    let connected = false;
    let done = false;
    const finish = (code: number, text?: string): void => {
      if (done) return;
      done = true;
      if (text) stdout.write(`${text}\n`);
      rl?.close();
      stdin.pause();
      resolve(code);
    };
    let rl: ReturnType<typeof createInterface> | null = null;
    sock.setEncoding('utf8');
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (connected) finish(1, `❌ connection to ${who} lost: ${e.message}`);
      else if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')
        finish(1, `❌ ${who} is not running with a control socket at ${t.socket} (systemctl status opv-station@${t.callsign ?? 'CALL'}; the service opens it with --control-socket)`);
      else if (e.code === 'EACCES') finish(1, `❌ ${t.socket}: permission denied (attach as the station's user: sudo -u opv-station -H opv station --attach ${t.callsign ?? 'CALL'})`);
      else finish(1, `❌ ${t.socket}: ${e.message}`);
    });
    sock.on('connect', () => {
      connected = true;
      const tty = stdin.isTTY === true && stdout.isTTY === true;
      rl = createInterface({ input: stdin, output: tty ? stdout : undefined, terminal: tty });
      if (tty) {
        rl.setPrompt(`[${t.callsign ?? 'attached'}]> `);
        rl.prompt();
      }
      rl.on('line', (l) => {
        sock.write(`${l}\n`);
        if (tty) rl?.prompt();
      });
      // Ctrl+D / end of input: leave, the station runs on.
      rl.on('close', () => {
        if (!done) sock.end();
      });
      rl.on('SIGINT', () => sock.end());
      sock.on('data', (d: string) => {
        if (tty) stdout.write(`\r\x1b[K${d}`);
        else stdout.write(d);
        if (tty) rl?.prompt(true);
      });
    });
    sock.on('close', () => finish(0, connected ? `(session with ${who} closed; the station keeps running)` : undefined));
  });
}
