import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/contract/stats.js';
import { createMetrics } from '../../src/server/metrics.js';
import { eventInRoom, filterStatsByRoom, knownRooms } from '../../src/contract/stats-room.js';
import { parseRoomQuery, StationRooms } from '../../src/server/stats-room-filter.js';
import { linkedSnapshot, snapshot } from './fixtures.js';

test('?room=: one parameter, a room name of at most 16 characters, any case', () => {
  assert.deepEqual(parseRoomQuery(new URLSearchParams('')), { ok: true, room: null });
  assert.deepEqual(parseRoomQuery(new URLSearchParams('room=net&x=1')), { ok: true, room: 'NET' });
  assert.deepEqual(parseRoomQuery(new URLSearchParams('room=NET&room=MAIN')), { ok: false, reason: 'room given more than once' });
  assert.match((parseRoomQuery(new URLSearchParams('room=' + 'A'.repeat(17))) as { reason: string }).reason, /over 16 characters/);
  assert.match((parseRoomQuery(new URLSearchParams('room=no%20way')) as { reason: string }).reason, /bad room name "no way"/);
  assert.match((parseRoomQuery(new URLSearchParams('room=')) as { reason: string }).reason, /bad room name ""/);
  assert.match((parseRoomQuery(new URLSearchParams('room=-X')) as { reason: string }).reason, /bad room name/);
});

test('a snapshot seen from one room: its stations, remote stations and rooms entry; server totals kept', () => {
  const s = linkedSnapshot();
  const net = filterStatsByRoom(s, 'NET');
  assert.deepEqual(net.stations.map((x) => x.callsign), ['VE3XYZ', 'G4AAA']);
  assert.deepEqual(net.remote_stations.map((x) => x.callsign), ['K2REM']);
  assert.deepEqual(net.rooms.map((r) => r.name), ['NET']);
  assert.equal(net.frames_received, s.frames_received);
  assert.deepEqual(net.interlink, s.interlink);
  assert.deepEqual(knownRooms(s), ['MAIN', 'NET']);
  // A server without rooms has the one conference.
  assert.deepEqual(knownRooms(snapshot()), ['MAIN']);
});

test('events of a room reach its streams; events without a room reach all; stations are followed between rooms', () => {
  const rooms = new StationRooms(3);
  rooms.seed(linkedSnapshot());
  const of = (c: string): string | undefined => rooms.get(c);
  assert.equal(eventInRoom({ type: 'ptt_start', at: 1, callsign: 'K2REM', room: 'NET', server: 'hub-b' }, 'NET', of), true);
  assert.equal(eventInRoom({ type: 'ptt_start', at: 1, callsign: 'K2REM', room: 'NET', server: 'hub-b' }, 'MAIN', of), false);
  assert.equal(eventInRoom({ type: 'interlink', at: 1, connected: false, state: 'reconnecting' }, 'NET', of), true);
  assert.equal(eventInRoom({ type: 'endpoint_changed', at: 1, callsign: 'VE3XYZ', from: 'a', to: 'b' }, 'MAIN', of), false);
  const moved = { type: 'room_changed', at: 2, callsign: 'VE3XYZ', from: 'NET', to: 'MAIN' } as const;
  assert.equal(eventInRoom(moved, 'NET', of) && eventInRoom(moved, 'MAIN', of), true);
  rooms.before(moved);
  assert.equal(eventInRoom({ type: 'hijack_refused', at: 3, callsign: 'VE3XYZ', endpoint: 'x', holder: 'y' }, 'MAIN', of), true);
  // Leaving names its room on servers with rooms (built loosely: older contracts lack it).
  const left = { type: 'station_left', at: 3, callsign: 'VE3XYZ', endpoint: 'x', reason: 'bye', room: 'NET' } as unknown as ServerEvent;
  assert.equal(eventInRoom(left, 'NET', of) && !eventInRoom(left, 'MAIN', of), true);
  rooms.after(left);
  assert.equal(rooms.get('VE3XYZ'), undefined);
  // Bounded: the oldest callsign goes first.
  for (const c of ['A1', 'A2', 'A3', 'A4']) rooms.before({ type: 'station_joined', at: 4, callsign: c, endpoint: 'x', room: 'MAIN' });
  assert.equal(rooms.size, 3);
  assert.equal(rooms.get('A1'), undefined);
});

test('Prometheus: per-room series with a room label, interlink series only with an interlink', async () => {
  const text = await createMetrics(() => linkedSnapshot()).metrics();
  assert.match(text, /^opv_room_stations\{room="NET"\} 2$/m);
  assert.match(text, /^opv_room_remote_stations\{room="MAIN"\} 1$/m);
  assert.match(text, /^opv_room_talking_stations\{room="NET"\} 1$/m);
  assert.match(text, /^opv_room_frames_received_total\{room="MAIN"\} 100$/m);
  assert.match(text, /^opv_room_frames_forwarded_total\{room="NET"\} 40$/m);
  assert.match(text, /^opv_room_frames_from_interlink_total\{room="MAIN"\} 50$/m);
  assert.match(text, /^opv_interlink_connected\{server_id="hub-a"\} 1$/m);
  assert.match(text, /^opv_interlink_peers\{server_id="hub-a"\} 1$/m);
  assert.match(text, /^opv_interlink_reconnects_total\{server_id="hub-a"\} 0$/m);
  const alone = await createMetrics(() => snapshot()).metrics();
  assert.doesNotMatch(alone, /^opv_interlink_\w+\{/m);
  assert.doesNotMatch(alone, /^opv_room_\w+\{/m);
});
