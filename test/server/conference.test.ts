import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { InterlinkStats } from '../../src/contract/stats.js';
import type { NetworkView, Uplink } from '../../src/server/network-port.js';
import { OperatorLog } from '../../src/server/log.js';
import { InProcessServer } from './harness.js';

// The relay in this process: port 0, a fake clock, the JSON operator log and the server's
// events observed directly. Stations are real UDP sockets on loopback.

async function withServer(overrides: Parameters<typeof InProcessServer.start>[0], body: (s: InProcessServer) => Promise<void>): Promise<void> {
  const s = await InProcessServer.start(overrides);
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

test('a station is admitted by its first clean message and its chat reaches the others in the room', () =>
  withServer({}, async (s) => {
    const a = await s.joined('W1AAA');
    const b = await s.joined('W2BBB');
    const joined = await s.logged('station_joined', 'W1AAA');
    assert.equal(joined.endpoint, `127.0.0.1:${a.port}`);
    assert.equal(joined.room, undefined, 'one room: the reference wording, no room named');
    a.chat('hello from A');
    await b.until(() => b.texts('W1AAA').includes('hello from A'), 10_000, "A's chat");
    assert.equal(s.server.registry.size, 2);
    assert.equal(s.server.counters.framesForwarded >= 1, true);
  }));

test('hijack: the callsign from another endpoint is refused while its holder is heard, and taken over after the hold-down', () =>
  withServer({ hijackHoldDownS: 5 }, async (s) => {
    const holder = await s.joined('W1ABC');
    const thief = await s.station('W1ABC');
    thief.control('KEEPALIVE:1');
    const refused = await s.event('hijack_refused');
    assert.equal(refused.endpoint, `127.0.0.1:${thief.port}`);
    assert.equal(refused.holder, `127.0.0.1:${holder.port}`);
    assert.equal(s.server.counters.hijacksRefused, 1);
    assert.equal(s.server.registry.get('W1ABC')?.endpoint.port, holder.port, 'the holder keeps it');
    await s.logged('hijack_refused', 'W1ABC');

    // The holder falls silent for the hold-down: the newcomer is the station, moved.
    s.advance(5000);
    thief.control('KEEPALIVE:2');
    const moved = await s.event('endpoint_changed');
    assert.deepEqual([moved.from, moved.to], [`127.0.0.1:${holder.port}`, `127.0.0.1:${thief.port}`]);
    assert.equal(s.server.registry.get('W1ABC')?.endpoint.port, thief.port);
    assert.equal(s.server.registry.size, 1);
  }));

test('holds: a kick keeps the station out for the hold-down on the clock, a ban until unbanned and across a restart', async () => {
  const s = await InProcessServer.start({ kickHoldDownS: 60 });
  const stateDir = s.stateDir;
  try {
    const a = await s.joined('W1KCK');
    assert.deepEqual(s.server.kick('W1KCK'), { ok: true, message: 'W1KCK kicked (kept out for 60 s)' });
    const left = await s.event('station_left');
    assert.equal(left.reason, 'kicked');
    assert.equal(s.server.registry.size, 0);
    a.control('KEEPALIVE:1');
    const held = await s.logged('station_refused', 'W1KCK');
    assert.deepEqual([held.reason, held.until], ['kicked', s.now + 60_000]);
    s.advance(60_000);
    a.control('KEEPALIVE:2');
    await s.logged('station_joined', 'W1KCK', 2);

    assert.equal(s.server.ban('W1KCK').ok, true);
    await s.logged('station_left', 'W1KCK', 2);
    const saved = JSON.parse(readFileSync(path.join(stateDir, 'bans.json'), 'utf8')) as { bans: { callsign: string }[] };
    assert.deepEqual(saved.bans.map((b) => b.callsign), ['W1KCK']);
    assert.equal(s.server.ban('not a call!').ok, false, 'a callsign the protocol cannot carry is refused in words');
  } finally {
    await s.close(true);
  }
  // A new server on the same state directory still keeps it out.
  const again = await InProcessServer.start({}, stateDir);
  try {
    const a = await again.station('W1KCK');
    a.control('KEEPALIVE:3');
    const held = await again.logged('station_refused', 'W1KCK');
    assert.equal(held.reason, 'banned');
    assert.deepEqual(again.server.bans().map((b) => b.callsign), ['W1KCK']);
    assert.deepEqual(again.server.unban('W1KCK'), { ok: true, message: 'W1KCK unbanned' });
    await again.logged('station_unbanned', 'W1KCK');
    a.control('KEEPALIVE:4');
    await again.logged('station_joined', 'W1KCK');
    assert.equal(existsSync(path.join(stateDir, 'bans.json')), true);
    assert.deepEqual(again.server.unban('W1KCK').ok, false);
  } finally {
    await again.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('the access list and the station cap refuse in words, once per state', () =>
  withServer({ deny: ['N0BAD'], maxStations: 1 }, async (s) => {
    const bad = await s.station('N0BAD');
    bad.control('KEEPALIVE:1');
    await s.logged('station_denied', 'N0BAD');
    await s.joined('W1ONE');
    const two = await s.station('W2TWO');
    two.control('KEEPALIVE:1');
    const full = await s.logged('station_limit', 'W2TWO');
    assert.equal(full.max, 1);
    assert.equal(s.server.registry.get('W2TWO'), undefined);
  }));

test('rooms: a port per room, a move by name, and no frame across rooms', () =>
  withServer({ rooms: [{ name: 'NET', port: 0 }, { name: 'RAG', port: null }] }, async (s) => {
    assert.notEqual(s.portOf('NET'), 0, 'the room keeps the port it actually bound');
    const mainA = await s.joined('W1MAIN');
    const mainB = await s.joined('W2MAIN');
    const netRef = await s.joined('K1NET', 'NET');
    assert.equal(s.server.registry.get('K1NET')?.room.name, 'NET');
    assert.equal((await s.logged('station_joined', 'K1NET')).room, 'NET');

    const mover = await s.joined('VE3OPV');
    mover.control('OPV-EXT:1');
    mover.control('OPV-EXT:ROOM net');
    const moved = await s.event('room_changed');
    assert.deepEqual([moved.callsign, moved.from, moved.to], ['VE3OPV', 'MAIN', 'NET']);
    await mover.until(() => mover.controls('OPV-SRV').includes('OPV:ROOM NET'), 10_000, 'ROOM NET');
    assert.deepEqual(s.server.roomCounts(), [
      { room: 'MAIN', stations: 2 },
      { room: 'NET', stations: 2 },
      { room: 'RAG', stations: 0 },
    ]);

    mainA.chat('main only');
    await mainB.until(() => mainB.texts('W1MAIN').includes('main only'), 10_000, 'MAIN chat');
    // Each station's frames leave by one socket in order: once the later NET line is
    // heard, an earlier MAIN line would have been too.
    mover.chat('net only');
    await netRef.until(() => netRef.texts('VE3OPV').includes('net only'), 10_000, 'NET chat');
    assert.deepEqual(netRef.texts('W1MAIN'), []);
    assert.deepEqual(mover.texts('W1MAIN'), []);
    assert.ok(!mainB.texts().includes('net only'));
    const snap = s.server.snapshot();
    assert.deepEqual(snap.rooms.map((r) => [r.name, r.stations]), [['MAIN', 2], ['NET', 2], ['RAG', 0]]);
  }));

test('presence: extension stations hear joins and leaves; a silent station times out on the clock', () =>
  withServer({ timeoutS: 30 }, async (s) => {
    const ext = await s.joined('VE3EXT');
    ext.control('OPV-EXT:1');
    await ext.until(() => ext.controls('OPV-SRV').some((c) => c.startsWith('OPV:ROSTER ') && c.includes(' VE3EXT:')), 10_000, 'the roster');
    const quiet = await s.joined('W1QT');
    await ext.until(() => ext.controls('OPV-SRV').includes('OPV:JOIN W1QT'), 10_000, 'JOIN W1QT');

    // Only the extension station keeps talking; the clock passes the timeout for the other.
    s.advance(20_000);
    ext.control('KEEPALIVE:2');
    await ext.until(() => ext.controls('VE3EXT').includes('KEEPALIVE:2'), 10_000, 'the keepalive echoed (so the server saw it at the new time)');
    s.advance(10_000);
    s.server.sweep();
    const gone = await s.event('station_timeout');
    assert.deepEqual([gone.callsign, gone.idle_s], ['W1QT', 30]);
    assert.equal(s.server.counters.timedOut, 1);
    assert.ok(s.server.registry.get('VE3EXT'), 'the one heard within the timeout stays');
    await ext.until(() => ext.controls('OPV-SRV').includes('OPV:LEAVE W1QT timeout'), 10_000, 'LEAVE W1QT');
    assert.deepEqual(quiet.controls('OPV-SRV'), [], 'a reference station hears nothing of the extension');
  }));

test('the network: a callsign held on another server is refused; local frames go out after the fan-out; interest follows the rooms', () =>
  withServer({}, async (s) => {
    const published: string[] = [];
    const interest: string[] = [];
    const uplink: Uplink = {
      publishFrame: (room) => published.push(room),
      setInterest: (room, on) => interest.push(`${room}:${on}`),
    };
    const view: NetworkView = {
      holder: (c) => (c === 'W9ELSE' ? { server: 'east', room: 'MAIN' } : undefined),
      countByRoom: () => new Map([['MAIN', 1]]),
      rosterOf: () => [],
      remoteStations: () => [],
      talkingIn: () => [],
      shareHold: () => undefined,
      stats: () => ({}) as InterlinkStats,
    };
    s.server.attachNetwork(uplink, view);
    const there = await s.station('W9ELSE');
    there.control('KEEPALIVE:1');
    const refused = await s.event('hijack_refused');
    assert.equal(refused.holder, 'server east');

    const a = await s.joined('W1LOC');
    assert.deepEqual(interest, ['MAIN:true']);
    const b = await s.joined('W2LOC');
    const before = published.length;
    a.chat('to the network');
    await b.until(() => b.texts('W1LOC').includes('to the network'), 10_000, 'the local fan-out');
    assert.ok(published.length > before, 'and the frame went to the network too');
    assert.deepEqual(s.server.roomCounts(), [{ room: 'MAIN', stations: 3 }]);
    assert.equal(s.server.kick('W1LOC').ok, true);
    assert.deepEqual(interest, ['MAIN:true']);
    assert.equal(s.server.kick('W2LOC').ok, true);
    assert.deepEqual(interest, ['MAIN:true', 'MAIN:false']);
  }));

test("the kick hold-down in the operator's words counts on the server's clock, not the wall clock", () => {
  const lines: string[] = [];
  const log = new OperatorLog('human', false, (l) => lines.push(l));
  const t = Date.UTC(2030, 0, 1);
  log.held('W1KCK', '10.0.0.1:4000', 'kicked', t + 42_000, t);
  assert.match(lines.join('\n'), /DENIED: W1KCK at 10\.0\.0\.1:4000 \(kicked, kept out for 42 s more\)/);
});
