import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeTalkspurt, suspensionOver, RESUME_WITHIN_MS } from '../../src/station/rx-span.js';

// Where a remote talkspurt goes in history, on a fake clock (times in ms): a transmission cut
// by a server restart resumes its own entry with the gap counted as lost; a new press is new.

test('a transmission cut by a 0.4 s restart resumes its entry; without a sequence to go by, the missed frames are counted from the time', () => {
  // Last frame played at 10 000 ms; the jitter buffer gave up at 10 300; voice is back at 12 100 without a marker.
  const p = placeTalkspurt({ keyed: false, keyedAt: 2_000, suspended: { lastSlotAt: 10_000, endedAt: 10_300 }, resumeGap: null }, 12_100, false);
  // 2100 ms = 52.5 frames; one frame of slack each side: never more than happened.
  assert.deepEqual(p, { kind: 'resume', missed: 51 });
});

test('a new press (RTP marker) after a cut is a new entry, whatever the gap', () => {
  const p = placeTalkspurt({ keyed: true, keyedAt: 12_000, suspended: { lastSlotAt: 10_000, endedAt: 10_300 }, resumeGap: null }, 12_050, true);
  assert.deepEqual(p, { kind: 'new', missed: 0, startAt: 12_050 });
});

test('voice back after the resume window is a new entry; the suspended one is over by then', () => {
  const endedAt = 10_300;
  const at = endedAt + RESUME_WITHIN_MS + 1;
  assert.equal(suspensionOver(endedAt, endedAt + RESUME_WITHIN_MS), false);
  assert.equal(suspensionOver(endedAt, at), true);
  const p = placeTalkspurt({ keyed: false, keyedAt: 0, suspended: { lastSlotAt: 10_000, endedAt }, resumeGap: null }, at, false);
  assert.deepEqual(p, { kind: 'new', missed: 0, startAt: at });
});

test('frames missed at the start of a keyed transmission are counted from its PTT_START (no suspended entry)', () => {
  assert.deepEqual(placeTalkspurt({ keyed: true, keyedAt: 1_000, suspended: null, resumeGap: null }, 1_400, false), { kind: 'new', missed: 8, startAt: 1_000 });
  // A PTT_START too long before the voice is not its start.
  assert.deepEqual(placeTalkspurt({ keyed: true, keyedAt: 1_000, suspended: null, resumeGap: null }, 20_000, false), { kind: 'new', missed: 0, startAt: 20_000 });
  // The first packet itself (marker): nothing missed.
  assert.deepEqual(placeTalkspurt({ keyed: true, keyedAt: 1_000, suspended: null, resumeGap: null }, 1_030, true), { kind: 'new', missed: 0, startAt: 1_030 });
});

test('a resumed stream counts what its sequence skipped: nothing for a stalled sender whose backlog came late', () => {
  const suspended = { lastSlotAt: 10_000, endedAt: 10_300 };
  // 1.2 s without frames (the sender stalled), then its backlog, every sequence number in turn.
  assert.deepEqual(placeTalkspurt({ keyed: false, keyedAt: 2_000, suspended, resumeGap: 0 }, 11_200, false), { kind: 'resume', missed: 0 });
  // A link cut: 30 sequence numbers never arrived, whatever the time says.
  assert.deepEqual(placeTalkspurt({ keyed: false, keyedAt: 2_000, suspended, resumeGap: 30 }, 11_200, false), { kind: 'resume', missed: 30 });
});

test('a PTT_START after the cut is a new press: a new entry, even without the RTP marker (the reference sets none)', () => {
  const p = placeTalkspurt({ keyed: true, keyedAt: 11_000, suspended: { lastSlotAt: 10_000, endedAt: 10_300 }, resumeGap: 0 }, 11_100, false);
  // Its first 100 ms are counted from the PTT_START, as for any press (2.5 frames, less the slack).
  assert.deepEqual(p, { kind: 'new', missed: 1, startAt: 11_000 });
});
