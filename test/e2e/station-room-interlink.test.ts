import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsSkip, startNatsNode } from '../helpers/nats.js';
import { freeUdpPort, opvBin } from '../helpers/paths.js';
import { TmuxSession } from '../helpers/tmux.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation, type RunningServer, type StationProc } from './support/stations.js';

// Rooms across interlinked servers, from the station's side: the roster of the room
// holds stations of the other server, shown as CALL@server-id in /who, and chat in the
// room crosses while chat in another room does not. A real nats-server on loopback.

const procs: { stop: (s?: NodeJS.Signals) => Promise<unknown> }[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop('SIGKILL');
});

async function natsServer(): Promise<string> {
  const node = await startNatsNode({ name: 'rooms' });
  procs.push({ stop: () => node.kill() });
  return node.url;
}

async function linkedServer(url: string, id: string): Promise<RunningServer> {
  let srv: RunningServer;
  try {
    srv = await startServer(['--nats', url, '--server-id', id, '--room', 'NET']);
  } catch (e) {
    throw new Error(`opv server --nats … --room NET did not start: the server side of rooms/interlink is missing (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  procs.push(srv.proc);
  await srv.proc.waitForLine(/NATS: connected/, 15_000);
  return srv;
}

async function station(call: string, port: number, extra: string[]): Promise<StationProc> {
  const s = await startStation(call, port, ['--no-audio', ...extra]);
  procs.push(s.proc);
  return s;
}

test('a room spans interlinked servers: /who shows the other server\'s station as CALL@server, chat crosses in the room only', { skip: natsSkip() }, async () => {
  const url = await natsServer();
  const a = await linkedServer(url, 'hub-a');
  const b = await linkedServer(url, 'hub-b');
  const w1 = await station('W1ABC', a.port, ['--room', 'NET']);
  await w1.proc.waitForLine(/^🚪 now in room NET/, 15_000);
  const ve = await station('VE3XYZ', b.port, ['--room', 'NET']);
  await ve.proc.waitForLine(/^🚪 now in room NET/, 15_000);
  const k5 = await station('K5MAIN', b.port, []);
  await k5.proc.waitForLine(/^🚪 in room MAIN/, 15_000);

  // The remote roster reaches W1ABC (it may take a presence round): ask until it shows.
  const deadline = Date.now() + 20_000;
  let who = '';
  while (Date.now() < deadline) {
    const from = w1.proc.lines.length;
    w1.proc.sendLine('/who');
    who = await w1.proc.waitForLine(/^👥 \d+ stations? in room NET, you included$/, 5000, from);
    if (/^👥 2 stations/.test(who)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(who, /^👥 2 stations in room NET, you included$/);
  await w1.proc.waitForLine(/^ {3}VE3XYZ@hub-b /);
  assert.equal(w1.proc.count(/K5MAIN/), 0, 'a station of another room is not in the roster');

  ve.proc.sendLine('from hub-b in NET');
  await w1.proc.waitForLine(/^📨 \[VE3XYZ\]: from hub-b in NET$/, 10_000);
  k5.proc.sendLine('from hub-b in MAIN');
  w1.proc.sendLine('from hub-a in NET');
  await ve.proc.waitForLine(/^📨 \[W1ABC\]: from hub-a in NET$/, 10_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(w1.proc.count(/from hub-b in MAIN/), 0, 'MAIN chat crossed into NET');
  assert.equal(k5.proc.count(/in NET/), 0, 'NET chat reached MAIN');

  // The full-screen Stations panel shows the remote station with its server too.
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-link-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'K1TUI', '-i', '127.0.0.1', '-p', String(a.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--no-audio', '--room', 'NET'],
    { width: 100, height: 30, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  procs.push({ stop: async () => tmux.kill() });
  await tmux.waitForScreen((s) => /\[NET\]/.test(s.split('\n')[0]!), 15_000);
  const screen = await tmux.waitForScreen(/3 in room NET[\s\S]*VE3XYZ@hub-b/, 20_000);
  assert.match(screen, /● W1ABC /);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});
