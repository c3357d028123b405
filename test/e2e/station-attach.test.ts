import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, startStation } from './support/stations.js';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import { alsaEnv } from '../helpers/alsa.js';
import { eventually } from '../helpers/eventually.js';

/**
 * A station run as a service (line mode, stdin /dev/null-like, journald's JOURNAL_STREAM
 * set, --control-socket) and an operator who attaches to it over "SSH" with
 * `opv station --attach`: real processes, a real server, another real station.
 */


function rawClient(file: string): Promise<{ sock: Socket; text: () => string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(file);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (buf += d));
    sock.once('error', reject);
    sock.once('connect', () => resolve({ sock, text: () => buf }));
  });
}

function until(probe: () => boolean, what: string, ms = 10_000): Promise<void> {
  return eventually(probe, what, ms, 50);
}

test('an operator attaches to a running station over its control socket: recent output, history, chat both ways, detach leaves it running', async (t) => {
  const srv = await startServer([], t);
  const runtime = mkdtempSync(path.join(tmpdir(), 'opv-run-'));
  const env = { XDG_RUNTIME_DIR: runtime, JOURNAL_STREAM: '8:4242' };
  const svc = await startStation('W1SVC', srv.port, ['--no-audio', '--control-socket'], { env, t });
  const other = await startStation('VE3OTH', srv.port, ['--no-audio'], { t });
  const sockFile = path.join(runtime, 'opv', 'station-W1SVC.sock');
  await svc.proc.waitForLine(new RegExp(`control socket ${sockFile}: opv station --attach W1SVC joins this station`));
  assert.equal(statSync(sockFile).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(sockFile)).mode & 0o777, 0o700);
  await svc.proc.waitForLine(/🔗 connected to server/);
  await other.proc.waitForLine(/🔗 connected to server/);

  other.proc.sendLine('hello service');
  await svc.proc.waitForLine(/^📨 \[VE3OTH\]: hello service$/);

  const attachEnv = { ...alsaEnv(svc.home), ...env };
  const op = new Proc('node', [opvBin, 'station', '--attach', 'W1SVC'], { env: attachEnv });
  t.after(() => op.stop('SIGKILL'));
  await op.waitForLine(/^📎 attached to W1SVC on 127\.0\.0\.1:\d+, running since .*; quit or Ctrl\+D detaches, the station keeps running$/);
  await op.waitForLine(/^— recent output —$/);
  await op.waitForLine(/^\d\d:\d\d:\d\d 📨 \[VE3OTH\]: hello service$/);
  await op.waitForLine(/^— live —$/);

  op.sendLine('/history');
  await op.waitForLine(/^#\d+ \d\d:\d\d:\d\d ⬅ VE3OTH: hello service$/);
  op.sendLine('typed over ssh');
  await other.proc.waitForLine(/^📨 \[W1SVC\]: typed over ssh$/);
  await op.waitForLine(/^📤 \[W1SVC\]: typed over ssh/);
  other.proc.sendLine('roger the ssh');
  await op.waitForLine(/^📨 \[VE3OTH\]: roger the ssh$/);

  // A second session sees the same; a line beyond the bound is refused, not sent.
  const raw = await rawClient(sockFile);
  await until(() => raw.text().includes('— live —'), 'the second session is attached');
  raw.sock.write('x'.repeat(5000));
  await until(() => raw.text().includes('❌ line too long (at most 4096 bytes): not sent'), 'the long line is refused');
  raw.sock.write('\nshort again\n');
  await other.proc.waitForLine(/^📨 \[W1SVC\]: short again$/);
  assert.equal(other.proc.count(/xxxx/), 0);
  // At most four sessions.
  const extra = [await rawClient(sockFile), await rawClient(sockFile), await rawClient(sockFile)];
  await until(() => extra[2]!.text().includes('too many attached sessions (4)'), 'a fifth session is turned away');
  for (const c of [raw, ...extra]) c.sock.destroy();

  // An error is a journald priority-3 line on the service's stdout.
  op.sendLine('/play 99999');
  await op.waitForLine(/^❌ no history entry 99999/);
  await svc.proc.waitForLine(/^<3>❌ no history entry 99999/);

  op.sendLine('quit');
  await op.waitForLine(/👋 detached: the station keeps running/);
  assert.equal(await op.wait(), 0);
  other.proc.sendLine('still there?');
  await svc.proc.waitForLine(/^📨 \[VE3OTH\]: still there\?$/);
  assert.equal(svc.proc.running, true);

  // systemctl stop: SIGTERM → BYE, and the socket is gone.
  assert.equal(await svc.proc.stop('SIGTERM'), 0);
  await srv.proc.waitForLine(/STATION LEFT: W1SVC .*\(BYE\)/);
  assert.equal(existsSync(sockFile), false);
  // Every line the service printed has words, not only symbols (journald-friendly).
  for (const l of svc.proc.stdoutLines) assert.match(l, /\p{L}|\d|^\s*$/u, `a line without words: ${l}`);

  const gone = new Proc('node', [opvBin, 'station', '--attach', 'W1SVC'], { env: attachEnv });
  await gone.waitForLine(/❌ W1SVC is not running with a control socket at .*station-W1SVC\.sock/);
  assert.equal(await gone.wait(), 1);
});

test('SIGHUP (the SSH session of a station started by hand has gone) signs off with BYE', async (t) => {
  const srv = await startServer([], t);
  const st = await startStation('W1HUP', srv.port, ['--no-audio'], { t });
  await st.proc.waitForLine(/🔗 connected to server/);
  assert.equal(await st.proc.stop('SIGHUP'), 0);
  await st.proc.waitForLine(/👋 W1HUP signing off: BYE sent, 73/);
  await srv.proc.waitForLine(/STATION LEFT: W1HUP .*\(BYE\)/);
});
