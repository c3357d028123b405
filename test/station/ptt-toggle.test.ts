import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PttToggle, type PttTimers } from '../../src/station/tui/ptt-toggle.js';

/** A hand-turned clock: timers fire only when the test advances time. */
class FakeClock implements PttTimers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get armed(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

/** The transmitter the PTT drives, recording every change. */
function rig() {
  const calls: boolean[] = [];
  let on = false;
  let timeouts = 0;
  const clock = new FakeClock();
  const ptt = new PttToggle(
    (v) => {
      on = v;
      calls.push(v);
    },
    () => on,
    120_000,
    () => timeouts++,
    clock,
  );
  return { ptt, clock, calls, isOn: () => on, timeouts: () => timeouts };
}

test('toggle: each press flips the transmitter; unkeying disarms the time-out', () => {
  const r = rig();
  r.ptt.press();
  assert.equal(r.isOn(), true);
  assert.equal(r.clock.armed, 1);
  r.clock.advance(60_000);
  r.ptt.press();
  assert.equal(r.isOn(), false);
  assert.equal(r.clock.armed, 0);
  r.clock.advance(120_000);
  assert.deepEqual(r.calls, [true, false]);
  assert.equal(r.timeouts(), 0);
});

test('time-out ends a stuck transmission once, with a notice, and the next press keys again', () => {
  const r = rig();
  r.ptt.press();
  r.clock.advance(119_999);
  assert.equal(r.isOn(), true);
  r.clock.advance(1);
  assert.equal(r.isOn(), false);
  assert.equal(r.timeouts(), 1);
  r.ptt.press();
  assert.equal(r.isOn(), true, 'after a time-out a press keys, it does not toggle off');
  r.clock.advance(120_000);
  assert.deepEqual(r.calls, [true, false, true, false]);
  assert.equal(r.timeouts(), 2);
});

test('hold: press keys, repeated presses change nothing and do not restart the time-out, release unkeys', () => {
  const r = rig();
  r.ptt.hold(true);
  r.clock.advance(100_000);
  r.ptt.hold(true);
  r.ptt.hold(true);
  r.clock.advance(20_000);
  assert.equal(r.isOn(), false, 'a held key is still timed from the first press');
  assert.equal(r.timeouts(), 1);
  r.ptt.hold(false);
  assert.deepEqual(r.calls, [true, false], 'releasing after the time-out does not key or unkey again');
  r.ptt.hold(true);
  r.clock.advance(5_000);
  r.ptt.hold(false);
  assert.deepEqual(r.calls, [true, false, true, false]);
  assert.equal(r.clock.armed, 0);
});

test('disarm (leaving) cancels the time-out without touching the transmitter', () => {
  const r = rig();
  r.ptt.press();
  r.ptt.disarm();
  r.clock.advance(200_000);
  assert.deepEqual(r.calls, [true]);
  assert.equal(r.timeouts(), 0);
});
