import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsSkip, startNatsNode } from '../helpers/nats.js';
import { freeUdpPort, opvBin } from '../helpers/paths.js';
import { TmuxSession } from '../helpers/tmux.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { eventually } from '../helpers/eventually.js';
import { startServer, startStation, type RunningServer, type StationProc } from './support/stations.js';

// Rooms across interlinked servers, from the station's side: the roster of the room
// holds stations of the other server, shown as CALL@server-id in /who, and chat in the
// room crosses while chat in another room does not. A real nats-server on loopback.

async function natsServer(t: TestContext): Promise<string> {
  const node = await startNatsNode({ name: 'rooms' });
  t.after(() => node.kill());
  return node.url;
}

async function linkedServer(t: TestContext, url: string, id: string): Promise<RunningServer> {
  let srv: RunningServer;
  try {
    srv = await startServer(['--nats', url, '--server-id', id, '--room', 'NET'], t);
  } catch (e) {
    throw new Error(`opv server --nats … --room NET did not start: the server side of rooms/interlink is missing (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  await srv.proc.waitForLine(/NATS: connected/, 15_000);
  return srv;
}

function station(t: TestContext, call: string, port: number, extra: string[]): Promise<StationProc> {
  return startStation(call, port, ['--no-audio', ...extra], { t });
}

test('a room spans interlinked servers: /who shows the other server\'s station as CALL@server, chat crosses in the room only', { skip: natsSkip() }, async (t) => {
  const url = await natsServer(t);
  const a = await linkedServer(t, url, 'hub-a');
  const b = await linkedServer(t, url, 'hub-b');
  const w1 = await station(t, 'W1ABC', a.port, ['--room', 'NET']);
  await w1.proc.waitForLine(/^🚪 now in room NET/, 15_000);
  const ve = await station(t, 'VE3XYZ', b.port, ['--room', 'NET']);
  await ve.proc.waitForLine(/^🚪 now in room NET/, 15_000);
  const k5 = await station(t, 'K5MAIN', b.port, []);
  await k5.proc.waitForLine(/^🚪 in room MAIN/, 15_000);

  // The remote roster reaches W1ABC (it may take a presence round): ask until it shows.
  let who = '';
  await eventually(
    async () => {
      const from = w1.proc.lines.length;
      w1.proc.sendLine('/who');
      who = await w1.proc.waitForLine(/^👥 \d+ stations? in room NET, you included$/, 5000, from);
      return /^👥 2 stations/.test(who);
    },
    () => `the remote station in /who (last: ${who})`,
    20_000,
    500,
  );
  assert.match(who, /^👥 2 stations in room NET, you included$/);
  await w1.proc.waitForLine(/^ {3}VE3XYZ@hub-b /);
  assert.equal(w1.proc.count(/K5MAIN/), 0, 'a station of another room is not in the roster');

  ve.proc.sendLine('from hub-b in NET');
  await w1.proc.waitForLine(/^📨 \[VE3XYZ\]: from hub-b in NET$/, 10_000);
  k5.proc.sendLine('from hub-b in MAIN');
  w1.proc.sendLine('from hub-a in NET');
  await ve.proc.waitForLine(/^📨 \[W1ABC\]: from hub-a in NET$/, 10_000);
  // A quiet window: chat crossing rooms would arrive in it.
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
  t.after(() => tmux.kill());
  await tmux.waitForScreen((s) => /\[NET\]/.test(s.split('\n')[0]!), 15_000);
  const screen = await tmux.waitForScreen(/3 in room NET[\s\S]*VE3XYZ@hub-b/, 20_000);
  assert.match(screen, /● W1ABC /);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});
