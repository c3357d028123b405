// Capture pacing on a hand-driven clock: each tick() is 40 ms of the station's time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapturePacer, PACER_HIGH_WATER, PACER_MAX_QUEUED, type PacerTicker } from '../../src/audio/capture-pacer.js';
import { FrameClock } from '../../src/audio/frame-clock.js';

class HandTicker implements PacerTicker {
  private cb: (() => void) | null = null;
  start(onTick: () => void): void {
    this.cb = onTick;
  }
  stop(): void {
    this.cb = null;
  }
  tick(n = 1): void {
    for (let i = 0; i < n; i++) this.cb?.();
  }
}

const frame = (k: number): Int16Array => new Int16Array(1920).fill(k);

function rig() {
  const ticker = new HandTicker();
  const pacer = new CapturePacer({ ticker });
  const out: number[] = [];
  const flow = { paused: false, pauses: 0, pause() { this.paused = true; this.pauses++; }, resume() { this.paused = false; } };
  pacer.start((f) => out.push(f[0]!), flow);
  return { ticker, pacer, out, flow };
}

test('a device with no clock: 9 s of frames arriving at once leave at one per 40 ms, in order, none lost', () => {
  const { ticker, pacer, out, flow } = rig();
  const total = 225; // a 9 s PTT
  let k = 0;
  // The source pushes as long as it is not paused, as arecord over a clockless device does.
  const feed = (): void => {
    while (!flow.paused && k < total) pacer.push(frame(k++));
  };
  feed();
  assert.equal(out.length, 1, 'one frame at once, the rest wait for the clock');
  assert.ok(flow.paused && pacer.queued === PACER_HIGH_WATER, `paused at ${pacer.queued}`);
  let ticks = 0;
  while (out.length < total) {
    ticker.tick();
    ticks++;
    feed();
    assert.ok(out.length <= ticks + 1, `ahead of real time after ${ticks} ticks: ${out.length}`);
    assert.ok(ticks < 1000);
  }
  assert.equal(ticks, total - 1, '9 s of audio take 9 s');
  assert.deepEqual(out, Array.from({ length: total }, (_, i) => i));
  assert.deepEqual(pacer.counters, { captured: total, delivered: total, dropped: 0, gaps: 0 });
});

test('a source that ignores pause: beyond MAX_QUEUED the oldest frames are dropped and counted', () => {
  const { ticker, pacer, out } = rig();
  for (let k = 0; k < 200; k++) pacer.push(frame(k));
  assert.equal(pacer.queued, PACER_MAX_QUEUED);
  assert.equal(pacer.counters.dropped, 200 - 1 - PACER_MAX_QUEUED);
  ticker.tick(PACER_MAX_QUEUED);
  assert.equal(out.length, 1 + PACER_MAX_QUEUED);
  assert.deepEqual(out.slice(1, 3), [200 - PACER_MAX_QUEUED, 201 - PACER_MAX_QUEUED], 'the newest kept: latency stays bounded');
});

test('a real card: frames one per tick pass straight through, its jitter absorbed, no gaps', () => {
  const { ticker, pacer, out } = rig();
  pacer.push(frame(0));
  for (let k = 1; k < 100; k++) {
    ticker.tick();
    // Sometimes a frame comes a little after the tick, sometimes two at once (a period of 80 ms).
    if (k % 10 === 5) continue;
    pacer.push(frame(k));
    if (k % 10 === 6) pacer.push(frame(-k));
    assert.equal(out.at(-1), k % 10 === 6 ? -k : k, `frame ${k} delivered at once`);
  }
  assert.equal(pacer.counters.gaps, 0);
  assert.equal(pacer.counters.dropped, 0);
  assert.equal(out.length, 100);
});

test('a device that stops delivering: each missing 40 ms slot past the jitter allowance is a gap', () => {
  const { ticker, pacer } = rig();
  pacer.push(frame(0));
  ticker.tick(2); // absorbed (tokens)
  assert.equal(pacer.counters.gaps, 0);
  ticker.tick(5);
  assert.equal(pacer.counters.gaps, 5);
});

test('stop discards what was queued and resumes a paused source; the next start begins a fresh grid', () => {
  const { ticker, pacer, out, flow } = rig();
  for (let k = 0; k < 10; k++) pacer.push(frame(k));
  assert.ok(flow.paused);
  pacer.stop();
  assert.equal(pacer.queued, 0);
  assert.equal(flow.paused, false);
  ticker.tick(3);
  pacer.push(frame(99));
  assert.deepEqual(out, [0], 'nothing after stop');
  const again: number[] = [];
  pacer.start((f) => again.push(f[0]!), flow);
  pacer.push(frame(7));
  assert.deepEqual(again, [7]);
});

test('with the real FrameClock on a fake monotonic clock, frames leave on the 40 ms grid', async () => {
  let now = 0;
  const pacer = new CapturePacer({ ticker: new FrameClock({ intervalMs: 40, firstTick: 1, now: () => now }) });
  const at: number[] = [];
  pacer.start(() => at.push(now), { pause: () => undefined, resume: () => undefined });
  for (let k = 0; k < 20; k++) pacer.push(frame(k));
  // Time jumps 400 ms: at its next timer the clock runs the overdue ticks back to back.
  now = 400;
  await new Promise((r) => setTimeout(r, 80));
  pacer.stop();
  assert.equal(at.length, 11, `delivered at ${at.join(', ')}`);
});
