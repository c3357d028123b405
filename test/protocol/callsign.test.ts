import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CallsignError,
  decodeCallsign,
  encodeCallsign,
  tryDecodeCallsign,
  tryEncodeCallsign,
  checkFrame,
  writeHeader,
  FRAME_SIZE,
} from '../../src/protocol/index.js';

test('a bad character is named in a typed error', () => {
  const r = tryEncodeCallsign('W1_AW');
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'bad_character');
  assert.equal(r.error.character, '_');
  assert.match(r.error.message, /"_"/);
  assert.throws(() => encodeCallsign('W1AW!'), (e: unknown) => e instanceof CallsignError && e.character === '!');
});

test('overflow and emptiness are typed errors', () => {
  const over = tryEncodeCallsign('ZZZZZZZZZZ');
  assert.ok(!over.ok && over.error.reason === 'overflow');
  const empty = tryEncodeCallsign('   ');
  assert.ok(!empty.ok && empty.error.reason === 'empty');
});

test('ids with an empty digit, zero, or above 48 bits do not decode', () => {
  assert.equal(tryDecodeCallsign(0).ok, false);
  assert.equal(tryDecodeCallsign(40).ok, false); // low digit 0, then "A"
  assert.equal(tryDecodeCallsign(2 ** 48).ok, false);
  assert.equal(decodeCallsign(0xffffffffffff), 'OFD4BS.-BA');
});

test('frame validation says why a datagram is refused', () => {
  const f = new Uint8Array(FRAME_SIZE);
  writeHeader(encodeCallsign('W1AW'), f);
  assert.ok(checkFrame(f).ok);
  const short = checkFrame(f.subarray(0, 100));
  assert.ok(!short.ok && short.reason === 'size');
  const badToken = Uint8Array.from(f);
  badToken[7] = 0;
  const t = checkFrame(badToken);
  assert.ok(!t.ok && t.reason === 'token');
  const zeroId = Uint8Array.from(f);
  zeroId.fill(0, 0, 6);
  const z = checkFrame(zeroId);
  assert.ok(!z.ok && z.reason === 'station_id');
});
