import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../src/station/history.js';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'opv-hist-'));
const pkt = (n: number): Uint8Array => new Uint8Array(80).fill(n);

test('transmissions keep every packet in sequence order, losses and wrap counted', async () => {
  const d = dir();
  const h = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  const e = h.beginTransmission('in', 'VE3XYZ');
  // The sequence wraps at 65535; packet 1 is lost and 2 arrives before 0.
  for (const seq of [65534, 65535, 2, 0]) h.addPacket(e.id, seq, pkt((seq % 250) + 1));
  const closed = h.endTransmission(e.id)!;
  assert.equal(closed.frames, 5);
  assert.equal(closed.framesLost, 1);
  assert.equal(closed.durationMs, 200);
  await h.flush();
  const p = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 }).packets(e.id);
  assert.deepEqual(p.map((x) => (x ? x[0] : null)), [65534 % 250 + 1, 65535 % 250 + 1, 1, null, 3]);
});

test('history survives a restart and a torn last line; bounds prune old entries and their audio', async () => {
  const d = dir();
  let now = Date.parse('2026-11-01T00:00:00Z');
  const h = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  for (let i = 0; i < 8; i++) h.addChat('in', 'W1ABC', `line ${i}`);
  const tx = h.beginTransmission('out', 'N0CALL');
  h.addPacket(tx.id, 1, pkt(1));
  h.endTransmission(tx.id);
  assert.equal(h.list().length, 5);
  assert.deepEqual(h.list().slice(0, 4).map((e) => (e.type === 'chat' ? e.text : '')), ['line 4', 'line 5', 'line 6', 'line 7']);
  await h.flush();
  appendFileSync(path.join(d, 'index.jsonl'), '{"id": 99, "type": "ch'); // power cut mid-write
  const again = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  assert.equal(again.list().length, 5);
  assert.equal(again.packets(tx.id).length, 1);
  now += 11 * 86_400_000;
  const later = HistoryStore.open(d, { maxEntries: 5, maxAgeDays: 10 }, () => now);
  assert.equal(later.list().length, 0, 'entries older than the age limit are gone');
  assert.throws(() => later.packets(tx.id), /no history entry/);
});

test('the reference skips sequence 65535: 65534 → 0 is contiguous, no loss counted', async () => {
  const h = HistoryStore.open(dir(), { maxEntries: 100, maxAgeDays: 30 });
  const e = h.beginTransmission('in', 'VE3XYZ');
  for (const seq of [65533, 65534, 0, 1]) h.addPacket(e.id, seq, pkt(seq % 250 + 1));
  const closed = h.endTransmission(e.id)!;
  assert.equal(closed.frames, 4);
  assert.equal(closed.framesLost, 0);
  assert.equal(h.packets(e.id).length, 4);
  await h.close();
});

test('an open transmission is journaled as it goes and recovered after a crash', async () => {
  const d = dir();
  const h = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  h.addChat('out', 'W1ABC', 'before');
  const e = h.beginTransmission('out', 'W1ABC');
  for (let i = 0; i < 30; i++) h.addSlot(e.id, i === 7 ? null : pkt(i + 1));
  await h.flush();
  // No endTransmission, no close: the process died here.
  const again = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  const got = again.get(e.id);
  assert.ok(got && got.type === 'transmission', 'the transmission is in the history');
  assert.equal(got.open, false);
  assert.equal(got.recovered, true);
  assert.equal(got.frames, 30);
  assert.equal(got.framesLost, 1);
  assert.equal(again.packets(e.id)[29]![0], 30);
  await again.flush();
  const third = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  assert.equal(third.list().length, 2, 'recovered once, kept closed');
});

test('a directory that cannot be written: history in memory, the reason in words, saving resumes', async () => {
  const { chmodSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const base = dir();
  // A file where the directory should be: ENOTDIR whatever the user (root ignores modes).
  const blocker = path.join(base, 'data');
  writeFileSync(blocker, 'not a directory');
  const d = path.join(blocker, 'W1ABC');
  const events: string[] = [];
  const h = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 }, Date.now, { retryMs: 100 });
  h.on('storage', (s) => events.push(s.saving ? 'saving' : `failing: ${s.reason}`));
  const st = h.storage();
  assert.equal(st.saving, false);
  assert.match(st.saving ? '' : st.reason, /is a file, not a directory|does not exist/);
  assert.ok(!st.saving && st.reason.includes(blocker), `the reason names the path: ${st.saving ? '' : st.reason}`);
  const c = h.addChat('in', 'VE3XYZ', 'kept in memory');
  const e = h.beginTransmission('in', 'VE3XYZ');
  h.addSlot(e.id, pkt(1));
  h.endTransmission(e.id);
  assert.equal(h.list().length, 2);
  assert.equal(h.packets(e.id).length, 1, 'the audio is playable from memory');
  rmSync(blocker);
  mkdirSync(blocker);
  chmodSync(blocker, 0o755);
  for (let i = 0; i < 100 && !h.storage().saving; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events, ['saving']);
  await h.close();
  const again = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  assert.equal((again.get(c.id) as { text?: string } | undefined)?.text, 'kept in memory');
  assert.equal(again.packets(e.id).length, 1, 'the audio written after the outage');
});

test('a transmission on the air while the disk fails is saved whole when it works again, and journaled after', async () => {
  const { renameSync, writeFileSync, rmSync, readFileSync } = await import('node:fs');
  const d = dir();
  const h = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 }, Date.now, { retryMs: 100 });
  const states: boolean[] = [];
  h.on('storage', (s) => states.push(s.saving));
  const e = h.beginTransmission('in', 'VE3XYZ');
  for (let i = 0; i < 10; i++) h.addSlot(e.id, pkt(i + 1));
  await h.flush();
  // The audio directory vanishes and a file takes its place: every write fails.
  renameSync(path.join(d, 'tx'), path.join(d, 'tx.away'));
  writeFileSync(path.join(d, 'tx'), '');
  for (let i = 10; i < 20; i++) h.addSlot(e.id, pkt(i + 1));
  await h.flush();
  assert.deepEqual(states, [false]);
  rmSync(path.join(d, 'tx'));
  renameSync(path.join(d, 'tx.away'), path.join(d, 'tx'));
  for (let i = 0; i < 100 && states.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(states, [false, true]);
  for (let i = 20; i < 30; i++) h.addSlot(e.id, pkt(i + 1));
  await h.flush();
  // A crash now would keep all 30 packets.
  const journal = readFileSync(path.join(d, 'tx', `${e.id}.part`));
  assert.equal(journal.length, 30 * (4 + 80));
  h.endTransmission(e.id);
  await h.close();
  const again = HistoryStore.open(d, { maxEntries: 100, maxAgeDays: 30 });
  assert.deepEqual(again.packets(e.id).map((p) => p![0]), Array.from({ length: 30 }, (_, i) => i + 1));
});
