import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { serverStatsSchema } from '../../src/contract/stats-schema.js';
import { freeUdpPort } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { registeredSim, startServer, type RunningServer } from './support/stations.js';

// Rooms on one server, at the frame level: by port (reference stations), by name (the
// extension), and never a frame across rooms.

const sim = (call: string, port: number, srv: RunningServer, t: TestContext): Promise<SimStation> => registeredSim(call, port, srv, t);

const fromServer = (s: SimStation): string[] => s.controls('OPV-SRV');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stats(srv: RunningServer, query = ''): Promise<ReturnType<typeof serverStatsSchema.parse>> {
  const res = await fetch(`http://127.0.0.1:${srv.statsPort}/api/v1/stats${query}`);
  return serverStatsSchema.parse(await res.json());
}

test('rooms: a port per room for reference stations, a room by name for opv stations, and no frame across rooms', async (t) => {
  const netPort = await freeUdpPort();
  const srv = await startServer(['--room', `net:${netPort}`, '--room', 'RAG-CHEW'], t);
  await srv.proc.waitForLine(new RegExp(`Rooms: MAIN \\(port ${srv.port}\\), NET \\(port ${netPort}\\), RAG-CHEW \\(by name\\)`));

  const mainA = await sim('W1MAIN', srv.port, srv, t); // a reference-like station on the main port
  const mainB = await sim('W2MAIN', srv.port, srv, t);
  const netRef = await sim('K1NET', netPort, srv, t); // a reference station on the room's port
  const mover = await sim('VE3OPV', srv.port, srv, t); // an opv station that chooses NET by name

  mainA.chat('hello main');
  netRef.chat('hello net');
  await mainB.until(() => mainB.texts('W1MAIN').includes('hello main'), 5000, 'MAIN chat');
  mover.control('OPV-EXT:1');
  await mover.until(() => fromServer(mover).includes('OPV:ROOM MAIN'), 5000, 'ROOM MAIN after WELCOME');
  await mover.until(() => fromServer(mover).some((c) => /^OPV:ROOMS MAIN:\d+ NET:1 RAG-CHEW:0$/.test(c)), 5000, 'ROOMS');

  mover.control('OPV-EXT:ROOM net');
  await mover.until(() => fromServer(mover).includes('OPV:ROOM NET'), 5000, 'ROOM NET');
  await mover.until(() => fromServer(mover).some((c) => /^OPV:ROSTER \d+ 1\/1 (K1NET:\d+:0 VE3OPV:\d+:0|VE3OPV:\d+:0 K1NET:\d+:0)$/.test(c)), 5000, "NET's roster");
  await srv.proc.waitForLine(/ROOM CHANGE: VE3OPV MAIN → NET/);

  netRef.chat('net only');
  mover.chat('from the mover');
  mainA.chat('main only');
  await mover.until(() => mover.texts('K1NET').includes('net only'), 5000, 'NET chat at the mover');
  await netRef.until(() => netRef.texts('VE3OPV').includes('from the mover'), 5000, "the mover's chat in NET");
  await mainB.until(() => mainB.texts('W1MAIN').includes('main only'), 5000, 'MAIN chat');
  // A quiet window: frames that crossed rooms would arrive in it; none may.
  await sleep(300);
  assert.deepEqual(mover.texts('W1MAIN'), ['hello main'], 'nothing from MAIN reaches NET (it heard MAIN before it moved)');
  assert.ok(!mainA.texts().some((x) => x === 'net only' || x === 'from the mover'), 'nothing from NET reaches MAIN');
  assert.ok(!mainB.texts().some((x) => x === 'net only' || x === 'from the mover'));
  assert.deepEqual(netRef.texts('W1MAIN'), []);
  assert.deepEqual(mainB.texts('K1NET'), []);
  assert.equal(mainA.controls().filter((x) => x.startsWith('OPV')).length, 0, 'room requests are never relayed');

  // Voice: the NET talker is heard in NET only.
  await netRef.talk(10);
  await mover.until(() => mover.heard.filter((h) => h.from === 'K1NET' && h.message.kind === 'voice').length >= 10, 5000, 'voice in NET');
  // A quiet window for voice that must not reach MAIN.
  await sleep(200);
  assert.equal(mainA.heard.filter((h) => h.from === 'K1NET').length, 0);

  // An unknown room: told, and it stays where it was.
  mover.control('OPV-EXT:ROOM NOPE');
  await mover.until(() => fromServer(mover).includes('OPV:NO_ROOM NOPE'), 5000, 'NO_ROOM');
  netRef.chat('still here?');
  await mover.until(() => mover.texts('K1NET').includes('still here?'), 5000, 'still in NET');

  // Per-room figures and the filter on the stats channel.
  const all = await stats(srv);
  const byName = new Map(all.rooms.map((r) => [r.name, r]));
  assert.equal(byName.get('MAIN')?.stations, 2);
  assert.equal(byName.get('NET')?.stations, 2);
  assert.equal(byName.get('NET')?.port, netPort);
  assert.equal(byName.get('RAG-CHEW')?.port, null);
  assert.equal(all.stations.find((s) => s.callsign === 'VE3OPV')?.room, 'NET');
  assert.equal(all.stations.find((s) => s.callsign === 'K1NET')?.room, 'NET');
  assert.equal(all.stations.find((s) => s.callsign === 'W1MAIN')?.room, 'MAIN');
  assert.ok((byName.get('NET')?.frames_received ?? 0) >= 13);
  assert.equal(all.interlink, null);

  // Back to MAIN: NET hears it leave (moved), MAIN stations hear it again.
  mover.control('OPV-EXT:ROOM MAIN');
  await mover.until(() => fromServer(mover).filter((c) => c === 'OPV:ROOM MAIN').length === 2, 5000, 'ROOM MAIN again');
  mover.chat('back in main');
  await mainA.until(() => mainA.texts('VE3OPV').includes('back in main'), 5000, 'back in MAIN');
  // A quiet window for a chat that must not reach NET any more.
  await sleep(200);
  assert.ok(!netRef.texts('VE3OPV').includes('back in main'));
});

test('--room refuses bad names, duplicates and ports in use, in one line', async () => {
  const { Proc } = await import('../helpers/proc.js');
  const { opvBin } = await import('../helpers/paths.js');
  const run = async (args: string[]): Promise<string> => {
    const p = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(await freeUdpPort()), '--no-stats', ...args]);
    const code = await p.waitForExit(30_000);
    assert.equal(code, 1, `exit code for ${args.join(' ')}: ${p.output}`);
    return p.stderrLines.filter((l) => l !== '').join('\n');
  };
  assert.match(await run(['--room', 'bad_name']), /--room "bad_name": a room name is letters, digits and -/);
  assert.match(await run(['--room', 'NET', '--room', 'net']), /--room NET is given twice/);
  assert.match(await run(['--room', 'MAIN']), /MAIN is the main port's room/);
  assert.match(await run(['--room', 'NET:99999']), /--room NET: the port must be 0 \(any free port\) or between 1024 and 65535, got 99999/);
  assert.match(await run(['--server-id', 'x']), /--server-id needs --nats/);
  assert.match(await run(['--nats', 'http://x']), /--nats "http:\/\/x" is not a NATS URL/);
});
