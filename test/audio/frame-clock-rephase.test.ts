import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { FrameClock } from '../../src/audio/frame-clock.js';

test('rephase moves the tick grid: the next tick comes when asked, then every interval', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let t = 0;
    const advance = (ms: number): void => {
      for (let i = 0; i < ms; i++) {
        t++;
        mock.timers.tick(1);
      }
    };
    const clock = new FrameClock({ intervalMs: 40, firstTick: 0, now: () => t });
    const ticks: number[] = [];
    clock.start(() => ticks.push(t));
    advance(85);
    // (The first, immediate tick fires on the mock's first millisecond.)
    assert.deepEqual(ticks.slice(1), [40, 80]);
    clock.rephase(46); // at t = 85: next tick at 131, then 171, 211
    advance(130);
    assert.deepEqual(ticks.slice(1), [40, 80, 131, 171, 211]);
    clock.stop();
  } finally {
    mock.timers.reset();
  }
});
