import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveSettings } from '../../src/station/cli.js';
import { checkRoomName, loadSettingsFile, saveSettings } from '../../src/station/settings.js';
import { formatWho, stationName } from '../../src/station/roster.js';
import { currentRoomText, noRoomText, roomChangeText, roomsMatter, roomsText } from '../../src/station/room-text.js';

test('room names: any case in, upper case kept; a bad one is one line naming the rule', () => {
  assert.deepEqual(checkRoomName('net'), { ok: true, room: 'NET' });
  assert.deepEqual(checkRoomName('Rag-Chew'), { ok: true, room: 'RAG-CHEW' });
  for (const bad of ['', '-NET', 'NO_UNDERSCORE', 'A'.repeat(17), 'two words', 'NÉT']) {
    const r = checkRoomName(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.error, /^room ".*" is not a room name: letters, digits and "-" \(not first\), at most 16 characters$/);
  }
});

test('the room setting: from the file (normalised), the flag over it, saved by --save-config; a bad one names the key and the rule', () => {
  const d = mkdtempSync(path.join(tmpdir(), 'opv-set-room-'));
  const file = path.join(d, 'station.json');
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example', room: 'net' }));
  assert.equal(resolveSettings(undefined, { config: file, audio: true, tui: true }).room, 'NET');
  const s = resolveSettings(undefined, { config: file, audio: true, tui: true, room: 'CHAT' });
  assert.equal(s.room, 'CHAT');
  assert.equal(loadSettingsFile(saveSettings(s, path.join(d, 'saved.json'))).room, 'CHAT');
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example', room: 'bad room' }));
  assert.throws(() => loadSettingsFile(file), /station\.json: room: "bad room" is not a room name: letters, digits and "-" \(not first\), at most 16 characters$/);
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example' }));
  assert.equal(resolveSettings(undefined, { config: file, audio: true, tui: true }).room, undefined, 'no room: wherever the server puts the station');
});

test('rooms in words', () => {
  assert.equal(roomChangeText({ room: 'NET', previous: 'MAIN', stations: 3 }), 'now in room NET (3 stations)');
  assert.equal(roomChangeText({ room: 'MAIN', previous: null, stations: 1 }), 'in room MAIN (1 station)');
  assert.equal(roomChangeText({ room: 'NET', previous: 'MAIN', stations: null }), 'now in room NET');
  assert.equal(noRoomText('FOO', [{ room: 'MAIN', stations: 2 }, { room: 'NET', stations: 0 }]), 'no room FOO on this server; rooms: MAIN, NET');
  assert.equal(roomsText([{ room: 'MAIN', stations: 2 }, { room: 'NET', stations: 1 }], 'NET'), 'rooms: MAIN (2), NET (1) — you are in NET');
  const info = { current: 'MAIN', wanted: null, rooms: [{ room: 'MAIN', stations: 1 }], offered: true, queued: null, stations: null };
  assert.equal(roomsMatter(info), false, 'one room, the default: nothing to show');
  assert.equal(roomsMatter({ ...info, rooms: [...info.rooms, { room: 'NET', stations: 0 }] }), true);
  assert.equal(currentRoomText({ ...info, queued: 'NET' }), 'in room MAIN (1 station); moving to NET when you release PTT');
  assert.equal(currentRoomText({ ...info, stations: 4 }), 'in room MAIN (4 stations)', 'the roster over the older list');
});

test('/who per room; a station on another interlinked server is shown with it', () => {
  const row = { online: true, talking: false, authenticated: false, since: null, lastHeard: null, transmissions: 0, onAirMs: 0 };
  const lines = formatWho(
    [
      { ...row, callsign: 'W1ABC', server: 'hub-b' },
      { ...row, callsign: 'VE3XYZ', server: null },
      { ...row, callsign: 'K1ME', server: null, self: true },
    ],
    true,
    Date.now(),
    'NET',
  );
  assert.equal(lines[0], '👥 3 stations in room NET, you included');
  assert.match(lines[1]!, /^ {3}W1ABC@hub-b /);
  assert.match(lines[2]!, /^ {3}VE3XYZ {4}/);
  assert.equal(lines[3], '   K1ME      you');
  assert.equal(stationName({ callsign: 'K1X', server: 'a\u001b[2Jb' }), 'K1X@a␛[2Jb', 'shown inert');
});
