import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, startStation, type RunningServer, type StationProc } from './support/stations.js';
import { freeUdpPort, opvBin, speechWav } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';

// Rooms from the station's side, in line mode, against real `opv server` processes on
// loopback: --room, /room, /rooms, NO_ROOM, and chat that stays in its room.

/** A server with rooms NET (on its own UDP port too) and CHAT (by name only). */
async function roomServer(t: TestContext): Promise<RunningServer & { netPort: number }> {
  const netPort = await freeUdpPort();
  let srv: RunningServer;
  try {
    srv = await startServer(['--room', `NET:${netPort}`, '--room', 'CHAT'], t);
  } catch (e) {
    throw new Error(`opv server --room NET:${netPort} --room CHAT did not start: the server side of rooms is missing or broken (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  return { ...srv, netPort };
}

async function station(t: TestContext, call: string, port: number, extra: string[] = []): Promise<StationProc> {
  const s = await startStation(call, port, extra, { t });
  await s.proc.waitForLine(/🔗 connected to server/);
  return s;
}

/** A fixed wait: a quiet window in which something must not happen, or time for a line to cross first. */
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('--room chooses the room; chat stays in its room; /room moves at run time; /rooms lists; an unknown room is NO_ROOM in words', async (t) => {
  const srv = await roomServer(t);
  const a = await station(t, 'W1ABC', srv.port, ['--room', 'net']);
  const b = await station(t, 'VE3XYZ', srv.port, ['--room', 'NET']);
  const c = await station(t, 'K5MAIN', srv.port);
  // A asked for NET after WELCOME: the server moved it; the stop in MAIN is not shown.
  await a.proc.waitForLine(/^🚪 now in room NET \(\d+ stations?\)$/, 15_000);
  await b.proc.waitForLine(/^🚪 now in room NET \(\d stations?\)$/, 15_000);
  await c.proc.waitForLine(/^🚪 in room MAIN \(1 station\)$/, 15_000);
  assert.equal(a.proc.count(/in room MAIN/), 0);

  // Chat in NET is not seen in MAIN, nor MAIN's in NET.
  a.proc.sendLine('hello NET');
  await b.proc.waitForLine(/^📨 \[W1ABC\]: hello NET$/);
  c.proc.sendLine('hello MAIN');
  // MAIN's line has nothing in NET to wait for: it gets a head start on the marker.
  await settle(300);
  b.proc.sendLine('marker after MAIN');
  await a.proc.waitForLine(/^📨 \[VE3XYZ\]: marker after MAIN$/);
  // A quiet window: cross-room chat would arrive in it.
  await settle(700);
  assert.equal(a.proc.count(/hello MAIN/) + b.proc.count(/hello MAIN/), 0, 'MAIN chat reached NET');
  assert.equal(c.proc.count(/hello NET|marker after MAIN/), 0, 'NET chat reached MAIN');

  // /who is per room.
  a.proc.sendLine('/who');
  await a.proc.waitForLine(/^👥 2 stations in room NET, you included$/);
  await a.proc.waitForLine(/^ {3}VE3XYZ /);

  // /room moves C at run time; then it hears NET and is in NET's roster.
  c.proc.sendLine('/room');
  await c.proc.waitForLine(/^🚪 in room MAIN/);
  c.proc.sendLine('/room Net');
  await c.proc.waitForLine(/^🚪 now in room NET \(3 stations\)$/, 10_000);
  a.proc.sendLine('welcome to NET');
  await c.proc.waitForLine(/^📨 \[W1ABC\]: welcome to NET$/);
  c.proc.sendLine('/who');
  await c.proc.waitForLine(/^👥 3 stations in room NET, you included$/);

  // /rooms: every room with its count.
  c.proc.sendLine('/rooms');
  const list = await c.proc.waitForLine(/^🚪 rooms: .* — you are in NET$/);
  assert.match(list, /\bNET \(3\)/);
  assert.match(list, /\bMAIN \(0\)/);
  assert.match(list, /\bCHAT \(0\)/);

  // Unknown room: told, with the rooms there are; it stays in NET and still hears NET.
  c.proc.sendLine('/room NOPE');
  const no = await c.proc.waitForLine(/^🚪 no room NOPE on this server; rooms: /);
  assert.match(no, /MAIN/);
  assert.match(no, /NET/);
  b.proc.sendLine('still here');
  await c.proc.waitForLine(/^📨 \[VE3XYZ\]: still here$/);
  // A bad name never reaches the server.
  c.proc.sendLine('/room bad!name');
  await c.proc.waitForLine(/^❌ room "bad!name" is not a room name: letters, digits and "-"/);

  // Back to MAIN: NET no longer hears it.
  c.proc.sendLine('/room MAIN');
  await c.proc.waitForLine(/^🚪 now in room MAIN \(1 station\)$/);
  const before = c.proc.count(/📨/);
  a.proc.sendLine('NET only again');
  await b.proc.waitForLine(/^📨 \[W1ABC\]: NET only again$/);
  // A quiet window: NET chat at the station that left would arrive in it.
  await settle(700);
  assert.equal(c.proc.count(/📨/), before, 'NET chat reached a station that left for MAIN');
});

test('a station on a room\'s own port is in that room without asking; --room on the main port reaches the same room', async (t) => {
  const srv = await roomServer(t);
  const ref = await station(t, 'W1PORT', srv.netPort);
  await ref.proc.waitForLine(/^🚪 in room NET \(1 station\)$/, 15_000);
  const byName = await station(t, 'VE3NAME', srv.port, ['--room', 'NET']);
  await byName.proc.waitForLine(/^🚪 now in room NET \(2 stations\)$/, 15_000);
  byName.proc.sendLine('by name to the port');
  await ref.proc.waitForLine(/^📨 \[VE3NAME\]: by name to the port$/);
  ref.proc.sendLine('by port to the name');
  await byName.proc.waitForLine(/^📨 \[W1PORT\]: by port to the name$/);
});

test('--room NAME that the server does not have: NO_ROOM in words, the station stays in MAIN', async (t) => {
  const srv = await roomServer(t);
  const s = await station(t, 'W1ABC', srv.port, ['--room', 'ELSEWHERE']);
  await s.proc.waitForLine(/^🚪 no room ELSEWHERE on this server; rooms: .*MAIN/, 15_000);
  s.proc.sendLine('/room');
  await s.proc.waitForLine(/^🚪 in room MAIN/);
});

test('/room while transmitting waits for PTT release: no control message between voice frames', async (t) => {
  const srv = await roomServer(t);
  const a = await station(t, 'W1ABC', srv.port, ['--audio-in', speechWav, '--no-audio']);
  await a.proc.waitForLine(/^🚪 in room MAIN \(1 station\)$/, 15_000);
  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/^🎤 W1ABC: PTT was pressed$/);
  a.proc.sendLine('/room NET');
  await a.proc.waitForLine(/^🚪 room change to NET waits until you release PTT$/);
  a.proc.sendLine('/room');
  await a.proc.waitForLine(/^🚪 in room MAIN .*; moving to NET when you release PTT$/);
  // A quiet window: a room change while transmitting would be logged in it.
  await settle(500);
  assert.equal(srv.proc.count(/ROOM CHANGE: W1ABC/), 0, 'moved while transmitting');
  a.proc.sendLine('/ptt off');
  await a.proc.waitForLine(/^🔇 W1ABC: PTT was released$/);
  await a.proc.waitForLine(/^🚪 now in room NET \(1 station\)$/, 10_000);
  await srv.proc.waitForLine(/ROOM CHANGE: W1ABC MAIN → NET/);
});

test('a bad --room is a one-line error naming the rule, before anything starts', () => {
  let out = '';
  try {
    execFileSync('node', [opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '--room', 'no_underscores', '--no-tui'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.fail('opv station accepted a bad room name');
  } catch (e) {
    out = String((e as { stderr?: string }).stderr ?? '');
  }
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 1, out);
  assert.match(lines[0]!, /room "no_underscores" is not a room name: letters, digits and "-" \(not first\), at most 16 characters/);
});

test('a reference server (never answers the extension): said once, in words, that it has no rooms; nothing of rooms is sent to it', async (t) => {
  const listenPort = await freeUdpPort();
  // Stands in for a reference server with one other station on it: relays, never answers.
  const ref = new SimStation('K5XYZ', { host: '127.0.0.1', port: listenPort });
  t.after(() => ref.close());
  await ref.bound;
  const a = await startStation('W1ABC', ref.port, ['--no-audio', '--room', 'NET'], { listenPort, t });
  ref.chat('CQ via the reference');
  await a.proc.waitForLine(/^📨 \[K5XYZ\]: CQ via the reference$/);
  await a.proc.waitForLine(/^🚪 this server does not offer rooms \(not an opv server, or it has not answered\): you are on its only conference$/, 40_000);
  a.proc.sendLine('/room NET');
  await a.proc.waitForLine(/^🚪 this server does not offer rooms: you are on its only conference$/);
  a.proc.sendLine('/rooms');
  a.proc.sendLine('still chatting');
  await ref.until(() => ref.texts().includes('still chatting'), 5000, 'the chat line');
  assert.equal(a.proc.count(/does not offer rooms \(not an opv server/), 1, 'said once');
  assert.deepEqual(ref.controls().filter((c) => c.startsWith('OPV-EXT:ROOM')), [], 'no room request to a server that never answered');
});
