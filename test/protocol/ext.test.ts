import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFrame, FRAME_SIZE, MessageBuilder, Reassembler, decodeCallsign } from '../../src/protocol/index.js';
import {
  extFrames,
  formatExt,
  formatStationExt,
  normaliseRoom,
  parseStationExt,
  isExtText,
  parseExt,
  parseExtAnnounce,
  rosterMessages,
  ROSTER_CHUNK,
  sanitiseText,
  SERVER_CALLSIGN,
  SERVER_STATION_ID,
  type ExtMessage,
} from '../../src/protocol/ext.js';

const builder = (): MessageBuilder =>
  new MessageBuilder({ source: [0, 0, 0, 0], destination: [0, 0, 0, 0], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 7 });

test('every extension message round-trips through its text form', () => {
  const msgs: ExtMessage[] = [
    { type: 'welcome', version: 1, timeoutS: 300 },
    { type: 'roster', snapshot: 17, part: 1, parts: 2, entries: [{ callsign: 'W1ABC', connectedS: 120, talking: false }, { callsign: 'KB5MU-11', connectedS: 5, talking: true }] },
    { type: 'roster', snapshot: 3, part: 1, parts: 1, entries: [] },
    { type: 'join', callsign: 'W5NYV.NCS' },
    { type: 'leave', callsign: 'VE3XYZ', reason: 'timeout' },
    { type: 'talk', callsign: 'VE3XYZ', talking: true },
    { type: 'refused', reason: 'in_use', retryAt: 1764090135 },
    { type: 'refused', reason: 'banned', retryAt: null },
    { type: 'announce', text: 'net starts in 5 minutes 📡' },
  ];
  for (const m of msgs) assert.deepEqual(parseExt(formatExt(m)), m, formatExt(m));
  assert.equal(formatExt(msgs[1]!), 'OPV:ROSTER 17 1/2 W1ABC:120:0 KB5MU-11:5:1');
});

test('malformed, unknown and foreign texts are not extension messages', () => {
  for (const t of [
    'KEEPALIVE:1',
    'OPV:',
    'OPV:FUTURE 1 2',
    'OPV:WELCOME x 300',
    'OPV:ROSTER 1 3/2 W1ABC:1:0',
    'OPV:ROSTER 1 1/1 w1abc:1:0',
    'OPV:ROSTER 1 1/1 W1ABC:1:2',
    'OPV:JOIN',
    'OPV:JOIN W1ABC hub-b extra',
    'OPV:JOIN W1ABC -bad',
    'OPV:ROOM net',
    'OPV:ROOM NET MAIN',
    'OPV:ROOM ' + 'X'.repeat(17),
    'OPV:NO_ROOM bad_name',
    'OPV:ROOMS NET',
    'OPV:ROOMS NET:x',
    'OPV:ROOMS net:1',
    'OPV:ROSTER 1 1/1 W1ABC:1:0:0:bad_server',
    'OPV:LEAVE W1ABC vanished',
    'OPV:TALK W1ABC maybe',
    'OPV:REFUSED angry -',
    'OPV:REFUSED kicked soon',
    'OPV:ANNOUNCE    ',
    'opv:JOIN W1ABC',
  ]) {
    assert.equal(parseExt(t), null, t);
  }
  assert.deepEqual(parseExtAnnounce('OPV-EXT:1'), { version: 1, refresh: false });
  assert.deepEqual(parseExtAnnounce('OPV-EXT:1+'), { version: 1, refresh: true });
  assert.equal(parseExtAnnounce('OPV-EXT:x'), null);
  assert.equal(parseExtAnnounce('OPV-EXT:1 extra'), null);
  assert.equal(isExtText('OPV:ANNOUNCE x'), true);
  assert.equal(isExtText('OPV-EXT:1'), true);
  assert.equal(isExtText('PTT_START'), false);
});

test('announcement text loses terminal controls and is bounded', () => {
  assert.equal(sanitiseText('\x1b[2Jhi\x07 there\u202e', 200), '[2Jhi  there');
  assert.equal([...sanitiseText('📡'.repeat(300), 200)].length, 200);
  const m = parseExt(`OPV:ANNOUNCE ${'x'.repeat(500)}`);
  assert.equal(m?.type === 'announce' ? m.text.length : 0, 200);
});

test('a 500-station roster is chunked; every message is valid 134-byte frames from the server id', () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({ callsign: `ABCDE${String(i).padStart(4, '0')}`, connectedS: 999_999, talking: i % 7 === 0 }));
  const msgs = rosterMessages(42, entries);
  assert.equal(msgs.length, Math.ceil(500 / ROSTER_CHUNK));
  const b = builder();
  const r = new Reassembler();
  const got: string[] = [];
  let frames = 0;
  for (const m of msgs) {
    const fs = extFrames(b, m);
    assert.ok(fs.length <= 5, `${fs.length} frames`);
    for (const f of fs) {
      frames++;
      assert.equal(f.length, FRAME_SIZE);
      const chk = checkFrame(f);
      assert.ok(chk.ok);
      assert.equal(chk.ok && chk.stationId, SERVER_STATION_ID);
      r.pushFrame(SERVER_STATION_ID, f, (id, ev) => {
        assert.equal(decodeCallsign(id), SERVER_CALLSIGN);
        if (ev.type === 'message' && ev.message.kind === 'control') got.push(ev.message.text);
      });
    }
  }
  assert.ok(frames > 0);
  const parsed = got.map(parseExt);
  assert.deepEqual(parsed.flatMap((m) => (m?.type === 'roster' ? m.entries : [])), entries);
  assert.deepEqual(rosterMessages(1, []), [{ type: 'roster', snapshot: 1, part: 1, parts: 1, entries: [] }]);
});

test('rooms: requests, answers and remote roster entries round-trip; names are canonical', () => {
  assert.equal(normaliseRoom(' net '), 'NET');
  assert.equal(normaliseRoom('rag-chew'), 'RAG-CHEW');
  for (const bad of ['', '-NET', 'NE T', 'NET_1', 'X'.repeat(17), 'ÄRGER']) assert.equal(normaliseRoom(bad), null, bad);
  assert.equal(formatStationExt({ type: 'room', room: 'NET' }), 'OPV-EXT:ROOM NET');
  assert.deepEqual(parseStationExt('OPV-EXT:ROOM net'), { type: 'room', room: 'NET' });
  assert.deepEqual(parseStationExt('OPV-EXT:ROOMS'), { type: 'rooms' });
  for (const bad of ['OPV-EXT:ROOM', 'OPV-EXT:ROOM NET MAIN', 'OPV-EXT:ROOM bad_name', 'OPV-EXT:1', 'OPV-EXT:ROOMS x']) assert.equal(parseStationExt(bad), null, bad);
  const msgs: ExtMessage[] = [
    { type: 'room', room: 'NET' },
    { type: 'no_room', room: 'NOPE' },
    { type: 'rooms', rooms: [{ room: 'MAIN', stations: 3 }, { room: 'RAG-CHEW', stations: 0 }] },
    { type: 'rooms', rooms: [] },
    { type: 'join', callsign: 'W1ABC', server: 'hub-b' },
    { type: 'leave', callsign: 'W1ABC', reason: 'moved' },
    { type: 'roster', snapshot: 7, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 5, talking: true, authenticated: true }, { callsign: 'K1XYZ', connectedS: 9, talking: false, server: 'hub-b' }] },
  ];
  for (const m of msgs) assert.deepEqual(parseExt(formatExt(m)), m, formatExt(m));
  assert.equal(formatExt(msgs[6]!), 'OPV:ROSTER 7 1/1 W1ABC:5:1:1 K1XYZ:9:0:0:hub-b');
});
