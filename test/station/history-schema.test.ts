import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHistoryLine } from '../../src/station/history-schema.js';

test('history index lines: entries and removal marks parse; anything else is skipped, never cast', () => {
  const chat = { id: 3, type: 'chat', direction: 'in', callsign: 'W1ABC', at: 1, text: 'hi' };
  assert.deepEqual(parseHistoryLine(JSON.stringify(chat)), chat);
  const tx = { id: 4, type: 'transmission', direction: 'out', callsign: 'W1ABC', at: 1, durationMs: 400, frames: 10, framesLost: 0, open: false };
  assert.deepEqual(parseHistoryLine(JSON.stringify(tx)), tx);
  assert.deepEqual(parseHistoryLine('{"id":3,"type":"removed"}'), { id: 3, type: 'removed' });
  // A field written by a newer opv survives.
  assert.deepEqual(parseHistoryLine(JSON.stringify({ ...chat, future: 1 })), { ...chat, future: 1 });
  for (const bad of [
    '{"id":3,"type":"chat"', // torn
    'null',
    '[]',
    JSON.stringify({ ...chat, id: '3' }),
    JSON.stringify({ ...chat, id: -1 }),
    JSON.stringify({ ...chat, text: 7 }),
    JSON.stringify({ ...chat, direction: 'sideways' }),
    JSON.stringify({ ...tx, frames: 'many' }),
    JSON.stringify({ ...tx, open: undefined }),
    '{"id":3,"type":"unknown"}',
  ]) assert.equal(parseHistoryLine(bad), null, bad);
});
