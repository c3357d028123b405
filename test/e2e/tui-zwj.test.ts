import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, freeUdpPort } from '../helpers/paths.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation } from './support/stations.js';

test('full-screen UI: emoji ZWJ sequences, variation selectors and keycaps neither wrap a stray line nor shift the row', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-zwj-'));
  const tmux = new TmuxSession([process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--no-audio'], { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } });
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/connected \d+ ms/);
  b.proc.sendLine('family 👨‍👩‍👧 end');
  b.proc.sendLine('x'.repeat(30) + ' 👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧 tail');
  b.proc.sendLine('🏳️‍🌈 flag 👩🏽‍💻 coder 1️⃣ keycap');
  const screen = await tmux.waitForScreen(/keycap/);
  const rows = screen.split('\n');
  // Before: "🏳️‍🌈🌈lag 👩👩🏽💻oder 1️⃣" (the terminal drew the sequence wider than blessed
  // counted, overwriting what followed) and "keycap" alone on a stray line.
  const flag = rows.find((r) => /flag/.test(r)) ?? '';
  assert.match(flag, /🌈 flag .*💻 coder .* keycap +││/, screen);
  assert.ok(!rows.some((r) => /^│keycap/.test(r)), `a stray line:\n${screen}`);
  assert.match(screen, /family 👨👩👧 end +││/);
  // Every history row ends at the same border.
  for (const r of rows.slice(2, 15)) assert.match(r, /││/, screen);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});
