import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../src/station/history.js';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'opv-hist-'));
const pkt = (n: number): Uint8Array => new Uint8Array(80).fill(n);

test('transmissions keep every packet in sequence order, losses and wrap counted', () => {
  const d = dir();
  const h = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  const e = h.beginTransmission('in', 'VE3XYZ');
  // The sequence wraps at 65535; packet 1 is lost and 2 arrives before 0.
  for (const seq of [65534, 65535, 2, 0]) h.addPacket(e.id, seq, pkt((seq % 250) + 1));
  const closed = h.endTransmission(e.id)!;
  assert.equal(closed.frames, 5);
  assert.equal(closed.framesLost, 1);
  assert.equal(closed.durationMs, 200);
  const p = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 }).packets(e.id);
  assert.deepEqual(p.map((x) => (x ? x[0] : null)), [65534 % 250 + 1, 65535 % 250 + 1, 1, null, 3]);
});

test('history survives a restart and a torn last line; bounds prune old entries and their audio', () => {
  const d = dir();
  let now = Date.parse('2026-11-01T00:00:00Z');
  const h = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  for (let i = 0; i < 8; i++) h.addChat('in', 'W1ABC', `line ${i}`);
  const tx = h.beginTransmission('out', 'N0CALL');
  h.addPacket(tx.id, 1, pkt(1));
  h.endTransmission(tx.id);
  assert.equal(h.list().length, 5);
  assert.deepEqual(h.list().slice(0, 4).map((e) => (e.type === 'chat' ? e.text : '')), ['line 4', 'line 5', 'line 6', 'line 7']);
  appendFileSync(path.join(d, 'index.jsonl'), '{"id": 99, "type": "ch'); // power cut mid-write
  const again = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  assert.equal(again.list().length, 5);
  assert.equal(again.packets(tx.id).length, 1);
  now += 11 * 86_400_000;
  const later = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  assert.equal(later.list().length, 0, 'entries older than the age limit are gone');
  assert.throws(() => later.packets(tx.id), /no history entry/);
});
