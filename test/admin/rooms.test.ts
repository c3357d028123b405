import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/contract/stats.js';
import { DashboardModel, nextRoom } from '../../src/admin/model.js';
import { formatHeader, formatRow } from '../../src/admin/panels/stations-table.js';
import { describeEvent } from '../../src/admin/panels/event-log.js';
import { interlinkLines, interlinkShort, roomTable, roomsAndLinkLines, roomsSummary } from '../../src/admin/panels/rooms.js';
import { formatSnapshot, snapshotForRoom } from '../../src/admin/once.js';
import { interlink, linkedSnapshot, room, snapshot, station } from './fixtures.js';

test('the table holds the stations here and on other servers, filtered by room', () => {
  const m = new DashboardModel();
  m.update(linkedSnapshot(), 1000);
  const all = m.rows();
  assert.deepEqual(all.map((r) => r.callsign), ['DL1REM', 'G4AAA', 'K2REM', 'VE3XYZ', 'W1ABC']);
  const k2 = all.find((r) => r.callsign === 'K2REM')!;
  assert.deepEqual([k2.server, k2.endpoint, k2.room, k2.talking], ['hub-b', '@hub-b', 'NET', true]);
  assert.equal(all.find((r) => r.callsign === 'W1ABC')!.server, undefined);
  assert.deepEqual(m.rows('callsign', false, 'NET').map((r) => r.callsign), ['G4AAA', 'K2REM', 'VE3XYZ']);
  assert.deepEqual(m.rows('callsign', false, 'MAIN').map((r) => r.callsign), ['DL1REM', 'W1ABC']);
  // Remote stations have no local timeout: they sort after every local one.
  assert.deepEqual(m.rows('timeout').map((r) => r.callsign).slice(-2), ['DL1REM', 'K2REM']);
  assert.equal(m.multiRoom, true);
  assert.deepEqual(m.roomNames(), ['MAIN', 'NET']);
});

test('per-room rates from the deltas of the room counters; none across a restart', () => {
  const m = new DashboardModel();
  m.update(linkedSnapshot({ uptime_s: 10 }), 10_000);
  assert.equal(m.rates('MAIN'), undefined);
  const later = linkedSnapshot({ uptime_s: 12 });
  later.rooms[0] = room('MAIN', { frames_received: 150, frames_forwarded: 250, frames_from_interlink: 54 });
  m.update(later, 12_000);
  assert.deepEqual(m.rates('MAIN'), { received: 25, forwarded: 50, fromInterlink: 2 });
  m.update(linkedSnapshot({ uptime_s: 1 }), 13_000);
  assert.equal(m.rates('MAIN'), undefined);
});

test('a server older than rooms: one conference, no ROOM column, rooms from the stations', () => {
  const m = new DashboardModel();
  m.update(snapshot({ stations: [station('W1ABC')] }), 0);
  assert.equal(m.multiRoom, false);
  assert.deepEqual(m.roomNames(), ['MAIN']);
  assert.deepEqual(roomsAndLinkLines(snapshot({ stations: [station('W1ABC')] }), () => undefined), []);
});

test('f cycles All → each room → All; a room that vanished goes back to All', () => {
  assert.equal(nextRoom(null, ['MAIN', 'NET']), 'MAIN');
  assert.equal(nextRoom('MAIN', ['MAIN', 'NET']), 'NET');
  assert.equal(nextRoom('NET', ['MAIN', 'NET']), null);
  assert.equal(nextRoom('GONE', ['MAIN', 'NET']), null);
  assert.equal(nextRoom(null, []), null);
});

test('events filtered by room: by their room, by the station’s room, the interlink always', () => {
  const m = new DashboardModel();
  m.update(linkedSnapshot(), 0);
  assert.equal(m.eventInRoom({ type: 'ptt_start', at: 0, callsign: 'K2REM', room: 'NET', server: 'hub-b' }, 'NET'), true);
  assert.equal(m.eventInRoom({ type: 'ptt_start', at: 0, callsign: 'K2REM', room: 'NET', server: 'hub-b' }, 'MAIN'), false);
  // No room in the event: the station's room in the snapshot decides.
  assert.equal(m.eventInRoom({ type: 'endpoint_changed', at: 0, callsign: 'VE3XYZ', from: 'a', to: 'b' }, 'MAIN'), false);
  assert.equal(m.eventInRoom({ type: 'endpoint_changed', at: 0, callsign: 'VE3XYZ', from: 'a', to: 'b' }, 'NET'), true);
  // A room in the event wins (the station has left: the snapshot may no longer have it).
  const timeout = { type: 'station_timeout', at: 0, callsign: 'GONE', endpoint: 'e', idle_s: 300, room: 'NET' } as unknown as ServerEvent;
  assert.equal(m.eventInRoom(timeout, 'NET'), true);
  assert.equal(m.eventInRoom(timeout, 'MAIN'), false);
  assert.equal(m.eventInRoom({ type: 'room_changed', at: 0, callsign: 'W1ABC', from: 'MAIN', to: 'NET' }, 'NET'), true);
  assert.equal(m.eventInRoom({ type: 'interlink', at: 0, connected: false, state: 'reconnecting' }, 'NET'), true);
  assert.equal(m.eventInRoom({ type: 'remote_left', at: 0, callsign: 'DL1REM', room: 'MAIN', server: 'hub-b' }, 'NET'), false);
});

test('the ROOM column fits an 80-column terminal (77 cells); remote rows show @server and no traffic', () => {
  const header = formatHeader(77, 'callsign', false, true);
  assert.ok(header.length <= 77, header);
  assert.match(header, /^CALLSIGN▲ ENDPOINT +ROOM +STATE +FRAMES KBIT\/S +HEARD TIMEOUT$/);
  const m = new DashboardModel();
  m.update(linkedSnapshot(), 0);
  const k2 = formatRow(m.rows().find((r) => r.callsign === 'K2REM')!, 77, true).replace(/\{[^}]*\}/g, '');
  assert.equal(k2.length, header.length);
  assert.match(k2, /^K2REM +@hub-b +NET +TALKING +- +- +2s ago +-$/);
  assert.equal(header.indexOf('ROOM'), k2.indexOf('NET'));
  // Without rooms the table is as it was.
  assert.doesNotMatch(formatHeader(77, 'callsign', false), /ROOM/);
});

test('rooms and interlink lines; events name the room and the server', () => {
  const s = linkedSnapshot();
  assert.equal(roomsSummary(s.rooms), 'MAIN 1+1 NET 2+1');
  assert.deepEqual(roomTable(s.rooms, () => undefined), [
    'ROOM      HERE REMOTE      RX     FWD    LINK TALKING',
    'MAIN         1      1     100     150      50 W1ABC',
    'NET:57373    2      1      20      40      10 K2REM',
  ]);
  const perS = roomTable(s.rooms, (r) => (r === 'NET' ? { received: 1, forwarded: 2.5, fromInterlink: 0 } : undefined));
  assert.equal(perS[0], 'ROOM      HERE REMOTE    RX/s   FWD/s  LINK/s TALKING');
  assert.equal(perS[2], 'NET:57373    2      1     1.0     2.5     0.0 K2REM');
  // Narrow: columns dropped from the right, never cut; every row under its header.
  for (const w of [30, 40, 54]) {
    const t = roomTable(s.rooms, () => undefined, w);
    assert.ok(t.every((l) => l.length <= w), `${w}: ${t.join(' | ')}`);
    assert.match(t[0]!, /^ROOM +HERE REMOTE/);
  }
  assert.doesNotMatch(roomTable(s.rooms, () => undefined, 40).join('\n'), /TALKING|W1ABC/);
  assert.equal(interlinkShort(interlink({ connected: false, state: 'reconnecting (connection refused)', peers: [] })), '✖ reconnecting (connection refused), 0 peers');
  assert.deepEqual(interlinkLines(interlink({ frames_not_published: 7 })), [
    'Interlink hub-a ● connected',
    '  nats 127.0.0.1:4222',
    '  peers hub-b (2 st, 1s ago)',
    '  pub 0 rcv 0 unpub 7 rej 0',
    '  reconnects 0, subscribed MAIN NET',
  ]);
  assert.equal(interlinkLines(interlink({ state: 'connected to 127.0.0.1:4222' }))[1], '  peers hub-b (2 st, 1s ago)', 'the NATS server once');
  assert.equal(describeEvent({ type: 'ptt_start', at: 0, callsign: 'K2REM', room: 'NET', server: 'hub-b' }), '> K2REM @hub-b in NET PTT start');
  assert.equal(describeEvent({ type: 'ptt_stop', at: 0, callsign: 'W1ABC', room: 'MAIN' }), '. W1ABC PTT stop');
  assert.equal(describeEvent({ type: 'station_joined', at: 0, callsign: 'G4AAA', endpoint: 'e', room: 'NET' }), '+ G4AAA joined NET from e');
});

test('--once: rooms, the interlink and the stations on other servers; --room filters; an unknown room is an error', () => {
  const text = formatSnapshot(linkedSnapshot(), 'u');
  assert.match(text, /^ROOM +HERE REMOTE +RX +FWD +LINK +TALKING\nMAIN +1 +1 +100/m);
  assert.match(text, /^Interlink hub-a ● connected$/m);
  assert.match(text, /^CALLSIGN +ENDPOINT +ROOM +STATE +FRAMES/m);
  assert.match(text, /^VE3XYZ +127\.0\.0\.1:40002 NET +idle/m);
  assert.match(text, /^On other servers:\nCALLSIGN +SERVER +ROOM +STATE +ON FOR +HEARD\nDL1REM +@hub-b MAIN idle +1m00s +2s ago\nK2REM +@hub-b NET +TALKING/m);
  const net = formatSnapshot(snapshotForRoom(linkedSnapshot(), 'NET'), 'u');
  assert.doesNotMatch(net, /W1ABC|DL1REM/);
  assert.match(net, /K2REM/);
  assert.throws(() => snapshotForRoom(linkedSnapshot(), 'ZZ'), /^StatsClientError: no room ZZ on this server \(rooms: MAIN NET\)$/);
  // One conference: printed as before, no ROOM column.
  assert.doesNotMatch(formatSnapshot(snapshot({ stations: [station('W1ABC')] }), 'u'), /ROOM|Rooms|Interlink/);
});
