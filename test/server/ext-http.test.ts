import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnnouncement } from '../../src/server/ext-http.js';
import { announceRequestSchema, banListSchema } from '../../src/contract/ext.js';
import { ANNOUNCE_MAX_CHARS } from '../../src/protocol/ext.js';

const body = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

test('POST /announce bodies: the contract schema, bounded in characters, refusals in one line', () => {
  assert.deepEqual(parseAnnouncement(body({ text: 'net at 20:00' })), { ok: true, text: 'net at 20:00' });
  // Characters, not UTF-16 units: 200 emoji fit.
  assert.equal(parseAnnouncement(body({ text: '📻'.repeat(ANNOUNCE_MAX_CHARS) })).ok, true);
  assert.deepEqual(parseAnnouncement(body({ text: 'x'.repeat(ANNOUNCE_MAX_CHARS + 1) })), { ok: false, status: 400, message: `text longer than ${ANNOUNCE_MAX_CHARS} characters` });
  assert.deepEqual(parseAnnouncement(body('{"text":')), { ok: false, status: 400, message: 'body is not JSON; expected {"text": "..."}' });
  for (const bad of [null, [], {}, { text: 5 }, { text: '   ' }]) {
    assert.deepEqual(parseAnnouncement(body(bad)), { ok: false, status: 400, message: 'expected {"text": "..."} with a non-empty text' }, JSON.stringify(bad));
  }
  assert.equal(announceRequestSchema.safeParse({ text: 'a' }).success, true);
});

test('GET /bans answers: the contract schema; a missing or bad time is an unknown time (0)', () => {
  assert.deepEqual(banListSchema.parse({ bans: [{ callsign: 'W1ABC', since: 5 }, { callsign: 'K2X' }, { callsign: 'N3Y', since: 'x' }] }).bans, [
    { callsign: 'W1ABC', since: 5 },
    { callsign: 'K2X', since: 0 },
    { callsign: 'N3Y', since: 0 },
  ]);
  assert.equal(banListSchema.safeParse({ bans: [{ since: 1 }] }).success, false);
  assert.equal(banListSchema.safeParse({ bans: 'W1ABC' }).success, false);
});
