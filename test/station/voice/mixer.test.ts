import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mixFrames, rmsLevel } from '../../../src/station/voice/mixer.js';

const sample = fc.integer({ min: -32768, max: 32767 });

test('mixing saturates instead of wrapping, and equals the clamped sum', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 64 }), fc.infiniteStream(sample), (talkers, n, src) => {
      const it = src[Symbol.iterator]();
      const frames = Array.from({ length: talkers }, () => Int16Array.from({ length: n }, () => it.next().value as number));
      const out = mixFrames(frames, new Int16Array(n));
      for (let i = 0; i < n; i++) {
        const sum = frames.reduce((a, f) => a + f[i]!, 0);
        assert.equal(out[i], Math.max(-32768, Math.min(32767, sum)));
        // Never the opposite sign of a sum that overflowed (what wrap-around would give).
        if (sum > 32767) assert.equal(out[i], 32767);
        if (sum < -32768) assert.equal(out[i], -32768);
      }
    }),
  );
});

test('two full-scale talkers in phase clip at full scale', () => {
  const loud = new Int16Array(1920).fill(30000);
  const out = mixFrames([loud, loud], new Int16Array(1920));
  assert.ok(out.every((s) => s === 32767));
  const neg = new Int16Array(1920).fill(-30000);
  assert.ok(mixFrames([neg, neg, neg], new Int16Array(1920)).every((s) => s === -32768));
});

test('no talkers is silence; one talker passes through unchanged', () => {
  const out = new Int16Array(8).fill(5);
  assert.deepEqual(mixFrames([], out), new Int16Array(8));
  const one = Int16Array.from([1, -2, 32767, -32768, 0, 7, 8, 9]);
  assert.deepEqual(mixFrames([one], new Int16Array(8)), one);
});

test('RMS level is 0 for silence, ~0.707 for a full sine, 1 for a full square, always within 0..1', () => {
  assert.equal(rmsLevel(new Int16Array(1920)), 0);
  const sine = Int16Array.from({ length: 1920 }, (_, i) => Math.round(32767 * Math.sin((2 * Math.PI * i) / 48)));
  assert.ok(Math.abs(rmsLevel(sine) - Math.SQRT1_2) < 0.01);
  assert.equal(rmsLevel(new Int16Array(1920).fill(-32768)), 1);
  fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 200 }), (xs) => {
    const l = rmsLevel(Int16Array.from(xs));
    return l >= 0 && l <= 1;
  }));
});
