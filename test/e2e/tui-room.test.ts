import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, freeUdpPort } from '../helpers/paths.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation, type RunningServer } from './support/stations.js';

// Rooms in the full-screen UI, in a real terminal (tmux): the room list (Ctrl+R) and
// /room typed in the chat line, against a real `opv server` with rooms.

test('full-screen station: the room in the header, Ctrl+R lists rooms and moves with the arrows and Enter, /room in the chat line', async (t) => {
  let srv: RunningServer;
  try {
    srv = await startServer(['--room', 'NET', '--room', 'CHAT'], t);
  } catch (e) {
    throw new Error(`opv server --room NET --room CHAT did not start: the server side of rooms is missing or broken (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  const net = await startStation('VE3XYZ', srv.port, ['--room', 'NET', '--no-audio'], { t });
  await net.proc.waitForLine(/^🚪 now in room NET/, 15_000);

  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-room-'));
  const listen = await freeUdpPort();
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(listen), '--data-dir', dataDir, '--no-audio'],
    { width: 100, height: 30, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen((s) => /W1ABC → 127\.0\.0\.1:\d+ \[MAIN\] +connected/.test(s.split('\n')[0]!), 15_000);
  await tmux.waitForScreen(/C-r room/);

  // The list: every room with its count, the current one marked; move to NET with the arrows.
  tmux.sendKeys('C-r');
  const list = await tmux.waitForScreen(/Rooms — [\s\S]*NET +1 station/, 10_000);
  const rows = list.split('\n');
  const at = (name: string): number => rows.findIndex((r) => new RegExp(`[ ▶] ${name} +\\d+ station`).test(r));
  const here = at('MAIN');
  const target = at('NET');
  assert.ok(here >= 0 && target >= 0, `rooms not listed:\n${list}`);
  assert.match(rows[here]!, /▶ MAIN/);
  for (let i = 0; i < Math.abs(target - here); i++) tmux.sendKeys(target > here ? 'Down' : 'Up');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen((s) => /\[NET\]/.test(s.split('\n')[0]!), 10_000);
  await tmux.waitForScreen(/now in room NET \(2 stations\)/);
  await tmux.waitForScreen(/2 in room NET[\s\S]*W1ABC +you[\s\S]*VE3XYZ/);

  // Chat in NET reaches it now, both ways.
  net.proc.sendLine('hello the new one');
  await tmux.waitForScreen(/VE3XYZ: hello the new one/);
  tmux.type('thanks from the TUI');
  tmux.sendKeys('Enter');
  await net.proc.waitForLine(/^📨 \[W1ABC\]: thanks from the TUI$/);

  // /room typed in the chat line is a command, not chat.
  tmux.type('/room chat');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen((s) => /\[CHAT\]/.test(s.split('\n')[0]!), 10_000);
  await tmux.waitForScreen(/now in room CHAT \(1 station\)/);
  tmux.type('/room NOPE');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(/no room NOPE on this server; rooms: /);
  // A quiet window: a room command sent as chat would reach VE3XYZ in it.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(net.proc.count(/\/room/), 0, 'a room command went out as chat');

  // Help names the key.
  tmux.sendKeys('F1');
  await tmux.waitForScreen(/C-r +rooms: the server's rooms to choose from/);
  tmux.sendKeys('Escape');
  // Esc and C-c in one read would be Alt+C-c to the terminal: wait for the help to close.
  await tmux.waitForScreen((s) => !/C-r +rooms: the server's rooms/.test(s));
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});
