import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PEERS, MAX_STATIONS_PER_PEER, PEER_TIMEOUT_MS, RemoteRoster, wins } from '../../src/server/remote-roster.js';
import type { PresenceMessage } from '../../src/server/interlink-presence.js';

const T0 = 1_000_000;
const snap = (server: string, stations: [string, string, boolean?, number?][], at = T0): PresenceMessage => ({
  v: 1,
  kind: 'snapshot',
  server,
  at,
  stations: stations.map(([callsign, room, talking, connected_s]) => ({ callsign, room, talking: talking ?? false, connected_s: connected_s ?? 0 })),
});

test('join, talk, move and leave become changes; the table follows', () => {
  const r = new RemoteRoster();
  assert.deepEqual(r.apply({ v: 1, kind: 'join', server: 'b', at: 0, callsign: 'W1AW', room: 'NET' }, T0), [{ type: 'joined', callsign: 'W1AW', room: 'NET', server: 'b' }]);
  assert.deepEqual(r.apply({ v: 1, kind: 'join', server: 'b', at: 0, callsign: 'W1AW', room: 'NET' }, T0), [], 'a repeated join changes nothing');
  assert.deepEqual(r.apply({ v: 1, kind: 'talk', server: 'b', at: 0, callsign: 'W1AW', room: 'NET', talking: true }, T0 + 10), [
    { type: 'talk', callsign: 'W1AW', room: 'NET', server: 'b', talking: true },
  ]);
  assert.equal(r.holder('W1AW')?.talking, true);
  assert.deepEqual(r.apply({ v: 1, kind: 'room', server: 'b', at: 0, callsign: 'W1AW', from: 'NET', to: 'MAIN' }, T0 + 20), [
    { type: 'talk', callsign: 'W1AW', room: 'NET', server: 'b', talking: false },
    { type: 'moved', callsign: 'W1AW', room: 'MAIN', server: 'b', from: 'NET' },
  ]);
  assert.deepEqual(r.inRoom('MAIN').map((s) => s.callsign), ['W1AW']);
  assert.deepEqual(r.inRoom('NET'), []);
  assert.deepEqual([...r.countByRoom()], [['MAIN', 1]]);
  assert.deepEqual(r.apply({ v: 1, kind: 'leave', server: 'b', at: 0, callsign: 'W1AW', room: 'MAIN', reason: 'kicked' }, T0 + 30), [
    { type: 'left', callsign: 'W1AW', room: 'MAIN', server: 'b', reason: 'kicked' },
  ]);
  assert.deepEqual(r.apply({ v: 1, kind: 'leave', server: 'b', at: 0, callsign: 'W1AW', room: 'MAIN', reason: 'bye' }, T0 + 40), [], 'leaving twice');
  assert.equal(r.holder('W1AW'), undefined);
  // A talk for a station whose join was lost makes it known.
  assert.deepEqual(r.apply({ v: 1, kind: 'talk', server: 'b', at: 0, callsign: 'K1ABC', room: 'NET', talking: true }, T0 + 50), [
    { type: 'joined', callsign: 'K1ABC', room: 'NET', server: 'b' },
    { type: 'talk', callsign: 'K1ABC', room: 'NET', server: 'b', talking: true },
  ]);
  assert.deepEqual(r.apply({ v: 1, kind: 'hold', server: 'b', at: 0, action: 'ban', callsign: 'N0BAD', until: null }, T0 + 60), [], 'holds are not roster changes');
});

test('a snapshot replaces that server\'s stations, as a diff; other servers are untouched', () => {
  const r = new RemoteRoster();
  r.apply(snap('b', [['W1AW', 'NET'], ['K1ABC', 'MAIN', true]]), T0);
  r.apply(snap('c', [['DL1X', 'NET']]), T0);
  const changes = r.apply(snap('b', [['W1AW', 'MAIN'], ['G4NEW', 'NET', false, 30]]), T0 + 5000);
  assert.deepEqual(changes, [
    { type: 'moved', callsign: 'W1AW', room: 'MAIN', server: 'b', from: 'NET' },
    { type: 'joined', callsign: 'G4NEW', room: 'NET', server: 'b' },
    { type: 'talk', callsign: 'K1ABC', room: 'MAIN', server: 'b', talking: false },
    { type: 'left', callsign: 'K1ABC', room: 'MAIN', server: 'b', reason: 'vanished' },
  ]);
  assert.deepEqual(
    r.all().map((s) => `${s.server}:${s.callsign}@${s.room}`),
    ['b:G4NEW@NET', 'b:W1AW@MAIN', 'c:DL1X@NET'],
  );
  assert.deepEqual(r.apply(snap('b', [['W1AW', 'MAIN'], ['G4NEW', 'NET', false, 30]]), T0 + 10_000), [], 'the same snapshot again changes nothing');
  const g4 = r.stats(T0 + 10_000).find((s) => s.callsign === 'G4NEW')!;
  assert.equal(g4.connected_s, 35, 'joined 30 s before the snapshot that brought it');
  assert.equal(g4.last_seen_s, 0);
  assert.deepEqual(r.apply(snap('b', []), T0 + 11_000).map((c) => c.type), ['left', 'left']);
  assert.deepEqual(r.peers(T0 + 12_000), [
    { server_id: 'b', last_seen_s: 1, stations: 0 },
    { server_id: 'c', last_seen_s: 12, stations: 1 },
  ]);
});

test('a server unheard for PEER_TIMEOUT_MS is dropped with its stations; bye and dropServer drop at once', () => {
  const r = new RemoteRoster();
  r.apply(snap('b', [['W1AW', 'NET', true]]), T0);
  r.apply(snap('c', [['DL1X', 'NET']]), T0);
  r.apply(snap('d', [['VK2Y', 'MAIN']]), T0);
  assert.deepEqual(r.expire(T0 + PEER_TIMEOUT_MS), [], 'not yet');
  r.apply(snap('c', [['DL1X', 'NET']]), T0 + 10_000);
  assert.deepEqual(r.expire(T0 + PEER_TIMEOUT_MS + 1).map((c) => `${c.type}:${c.callsign}:${c.type === 'left' ? c.reason : ''}`), [
    'talk:W1AW:',
    'left:W1AW:server_lost',
    'left:VK2Y:server_lost',
  ]);
  assert.deepEqual(r.peers(T0 + PEER_TIMEOUT_MS + 1).map((p) => p.server_id), ['c']);
  assert.deepEqual(r.apply({ v: 1, kind: 'bye', server: 'c', at: 0 }, T0 + 20_000), [{ type: 'left', callsign: 'DL1X', room: 'NET', server: 'c', reason: 'server_bye' }]);
  assert.deepEqual(r.peers(T0), []);
  r.apply(snap('e', [['W1AW', 'NET']]), T0);
  assert.equal(r.dropServer('e').length, 1);
  assert.equal(r.dropServer('e').length, 0);
  assert.equal(r.size, 0);
});

test('wins: the earlier join keeps the callsign, a tie goes to the lower server id; holder() applies it', () => {
  assert.equal(wins({ joinedAtMs: 1, server: 'z' }, { joinedAtMs: 2, server: 'a' }), true);
  assert.equal(wins({ joinedAtMs: 2, server: 'a' }, { joinedAtMs: 1, server: 'z' }), false);
  assert.equal(wins({ joinedAtMs: 5, server: 'a' }, { joinedAtMs: 5, server: 'b' }), true);
  assert.equal(wins({ joinedAtMs: 5, server: 'b' }, { joinedAtMs: 5, server: 'a' }), false);
  const r = new RemoteRoster();
  r.apply({ v: 1, kind: 'join', server: 'late', at: 0, callsign: 'W1AW', room: 'NET' }, T0 + 100);
  r.apply({ v: 1, kind: 'join', server: 'early', at: 0, callsign: 'W1AW', room: 'MAIN' }, T0 + 200);
  assert.equal(r.holder('W1AW')?.server, 'late', 'the first join wins');
  r.apply(snap('early', [['W1AW', 'MAIN', false, 3600]]), T0 + 300);
  assert.equal(r.holder('W1AW')?.server, 'late', 'a snapshot does not rewrite the join time of a known station');
});

test('bounded: at most MAX_PEERS servers and MAX_STATIONS_PER_PEER stations each', () => {
  const r = new RemoteRoster();
  for (let i = 0; i < MAX_PEERS + 5; i++) r.apply({ v: 1, kind: 'join', server: `s${i}`, at: 0, callsign: 'W1AW', room: 'NET' }, T0);
  assert.equal(r.peers(T0).length, MAX_PEERS);
  const big = new RemoteRoster();
  for (let i = 0; i < MAX_STATIONS_PER_PEER + 10; i++) big.apply({ v: 1, kind: 'join', server: 'b', at: 0, callsign: `K${i}`, room: 'NET' }, T0);
  assert.equal(big.size, MAX_STATIONS_PER_PEER);
  // Duplicates inside one snapshot count once.
  const dup = new RemoteRoster();
  assert.equal(dup.apply(snap('b', [['W1AW', 'NET'], ['W1AW', 'MAIN']]), T0).length, 1);
});
