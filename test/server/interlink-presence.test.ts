import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePresence, encodePresence, PRESENCE_MAX_BYTES, PRESENCE_MAX_STATIONS, presenceSubject, type PresenceMessage } from '../../src/server/interlink-presence.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const at = 1_764_000_000_000;

test('every kind of presence message survives encode → decode unchanged', () => {
  const all: PresenceMessage[] = [
    { v: 1, kind: 'snapshot', server: 'hub-a', at, stations: [{ callsign: 'W1AW', room: 'MAIN', talking: true, connected_s: 12 }, { callsign: 'VE3/K1ABC', room: 'NET-2', talking: false, connected_s: 0 }] },
    { v: 1, kind: 'snapshot', server: 'a', at, stations: [] },
    { v: 1, kind: 'join', server: 'eu-west-1', at, callsign: 'DL1ABC', room: 'NET' },
    { v: 1, kind: 'leave', server: 'eu-west-1', at, callsign: 'DL1ABC', room: 'NET', reason: 'timeout' },
    { v: 1, kind: 'talk', server: 'X', at, callsign: 'G4XYZ', room: 'MAIN', talking: false },
    { v: 1, kind: 'room', server: 'X', at, callsign: 'G4XYZ', from: 'MAIN', to: 'NET' },
    { v: 1, kind: 'hold', server: 'X', at, action: 'ban', callsign: 'N0BAD', until: null },
    { v: 1, kind: 'hold', server: 'X', at, action: 'kick', callsign: 'N0BAD', until: at + 60_000 },
    { v: 1, kind: 'bye', server: 'X', at },
  ];
  for (const m of all) assert.deepEqual(decodePresence(encodePresence(m)), m, m.kind);
  assert.equal(presenceSubject('hub-a'), 'opv.presence.hub-a');
});

test('unknown versions and kinds, bad names and numbers decode to null', () => {
  const join = { v: 1, kind: 'join', server: 'a', at, callsign: 'W1AW', room: 'NET' };
  assert.notEqual(decodePresence(enc(join)), null);
  const bad: unknown[] = [
    { ...join, v: 2 },
    { ...join, v: '1' },
    { ...join, kind: 'teleport' },
    { ...join, kind: undefined },
    { ...join, callsign: 'w1aw' }, // not canonical (the registry stores upper case)
    { ...join, callsign: 'W1AW W2' },
    { ...join, callsign: 'TOOLONGCALL' },
    { ...join, callsign: '--' }, // encodable but names nobody
    { ...join, callsign: '' },
    { ...join, callsign: 12 },
    { ...join, room: 'net' },
    { ...join, room: 'A.B' }, // a NATS subject separator
    { ...join, room: 'ROOM>' },
    { ...join, room: 'X'.repeat(17) },
    { ...join, server: 'has space' },
    { ...join, server: 'a.b' },
    { ...join, server: '*' },
    { ...join, server: 'x'.repeat(33) },
    { ...join, at: -1 },
    { ...join, at: 1.5 },
    { ...join, at: Number.MAX_SAFE_INTEGER },
    { ...join, at: '2026' },
    { v: 1, kind: 'leave', server: 'a', at, callsign: 'W1AW', room: 'NET', reason: 'vanished' },
    { v: 1, kind: 'talk', server: 'a', at, callsign: 'W1AW', room: 'NET', talking: 1 },
    { v: 1, kind: 'hold', server: 'a', at, action: 'nuke', callsign: 'W1AW', until: null },
    { v: 1, kind: 'hold', server: 'a', at, action: 'ban', callsign: 'W1AW' },
    { v: 1, kind: 'snapshot', server: 'a', at, stations: [{ callsign: 'W1AW', room: 'MAIN', talking: true, connected_s: -5 }] },
    { v: 1, kind: 'snapshot', server: 'a', at, stations: 'W1AW' },
    { v: 1, kind: 'snapshot', server: 'a', at },
    null,
    [],
    [join],
    'join',
    42,
  ];
  for (const v of bad) assert.equal(decodePresence(enc(v)), null, JSON.stringify(v));
  // Extra keys of a later v1 are dropped, not refused.
  assert.deepEqual(decodePresence(enc({ ...join, colour: 'red' })), join);
});

test('hostile bytes: not JSON, not UTF-8, empty, too big, too many stations, deep nesting: null without throwing', () => {
  assert.equal(decodePresence(new Uint8Array(0)), null);
  assert.equal(decodePresence(enc('{"v":1,"kind":"join"')), null);
  assert.equal(decodePresence(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])), null);
  assert.equal(decodePresence(enc('{"__proto__":{"polluted":1},"v":1,"kind":"bye","server":"a","at":1}'))?.kind, 'bye');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  assert.equal(decodePresence(enc('['.repeat(5000) + ']'.repeat(5000))), null);
  const station = { callsign: 'W1AW', room: 'MAIN', talking: false, connected_s: 1 };
  const full = { v: 1, kind: 'snapshot', server: 'a', at, stations: Array.from({ length: PRESENCE_MAX_STATIONS }, () => station) };
  assert.equal(decodePresence(enc(full))?.kind, 'snapshot');
  assert.equal(decodePresence(enc({ ...full, stations: [...full.stations, station] })), null, 'one station too many');
  const huge = enc({ v: 1, kind: 'bye', server: 'a', at, pad: 'x'.repeat(PRESENCE_MAX_BYTES) });
  assert.ok(huge.byteLength > PRESENCE_MAX_BYTES);
  assert.equal(decodePresence(huge), null, 'refused on size before parsing');
});
