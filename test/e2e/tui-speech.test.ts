import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, speechWav, freeUdpPort } from '../helpers/paths.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation } from './support/stations.js';

test('full-screen station: F2 turns spoken chat on and off; the status bar shows it queued, then speaking', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const c = await startStation('K5XYZ', srv.port, ['--no-audio'], { t });
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-speech-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--no-audio', '--audio-out', path.join(dataDir, 'out.wav')],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/W1ABC → 127\.0\.0\.1:\d+ +connected \d+ ms/);
  await c.proc.waitForLine(/connected to server/);

  tmux.sendKeys('F2');
  await tmux.waitForScreen(/chat is read aloud \(F2 to stop\)/);
  // VE3XYZ on the air, K5XYZ chats: the line waits, and the status bar says so.
  b.proc.sendLine('/ptt on');
  await tmux.waitForScreen(/◀ RECEIVING +VE3XYZ/, 5000);
  c.proc.sendLine('standing by');
  await tmux.waitForScreen(/K5XYZ: standing by[\s\S]*🗣 speech: 1 queued/);
  // After the transmission, the line is read.
  await tmux.waitForScreen(/🗣 speaking/, 20_000);
  await tmux.waitForScreen((s) => !/🗣/.test(s) && /idle — chat only: no microphone/.test(s), 15_000);

  tmux.sendKeys('F2');
  await tmux.waitForScreen(/chat is no longer read aloud/);
  c.proc.sendLine('again');
  const screen = await tmux.waitForScreen(/K5XYZ: again/);
  assert.doesNotMatch(screen, /🗣/);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(), 0);
});
