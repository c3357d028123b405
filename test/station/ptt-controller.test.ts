import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PttController, type PttTimers } from '../../src/station/ptt/controller.js';

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

/** A transmitter, an LED and a refusal the test can set, recording every change. */
function rig(timeoutS = 120) {
  const calls: boolean[] = [];
  const led: boolean[] = [];
  const tx = {
    pttActive: false,
    setPtt(on: boolean) {
      tx.pttActive = on;
      calls.push(on);
    },
  };
  let refusal: string | null = null;
  const clock = new FakeClock();
  const ptt = new PttController({ transmitter: tx, refusal: () => refusal, timeoutS, timers: clock, led: { set: (on) => led.push(on), close: () => undefined } });
  const timeouts: number[] = [];
  const refused: string[] = [];
  ptt.on('timeout', (t) => timeouts.push(t.seconds));
  ptt.on('refused', (r) => refused.push(`${r.source}: ${r.reason}`));
  return { ptt, tx, clock, calls, led, timeouts, refused, refuse: (r: string | null) => (refusal = r) };
}

test('toggle: each press flips the transmitter and the LED; unkeying disarms the time-out', () => {
  const r = rig();
  r.ptt.press();
  assert.deepEqual([r.tx.pttActive, r.clock.armed], [true, 1]);
  r.ptt.press();
  assert.deepEqual([r.tx.pttActive, r.clock.armed], [false, 0]);
  assert.deepEqual(r.calls, [true, false]);
  assert.deepEqual(r.led, [true, false]);
});

test('the time-out holds whatever keyed: a command, a GPIO button, a key', () => {
  for (const key of [(p: PttController) => p.set(true, 'command'), (p: PttController) => p.hold(true, 'gpio'), (p: PttController) => p.press('key')]) {
    const r = rig(2);
    key(r.ptt);
    r.clock.advance(1999);
    assert.equal(r.tx.pttActive, true, 'still on before the time-out');
    r.clock.advance(1);
    assert.equal(r.tx.pttActive, false, 'off at 2 s');
    assert.deepEqual(r.timeouts, [2]);
    assert.deepEqual(r.led, [true, false], 'the LED goes out with it');
    // The button is still down: releasing it changes nothing more; the next press keys again.
    r.ptt.hold(false, 'gpio');
    assert.deepEqual(r.calls, [true, false]);
    r.ptt.press();
    assert.equal(r.tx.pttActive, true);
  }
});

test('hold: repeated downs change nothing and do not restart the time-out; up unkeys', () => {
  const r = rig(10);
  r.ptt.hold(true);
  r.clock.advance(6000);
  r.ptt.hold(true);
  r.clock.advance(4000);
  assert.equal(r.tx.pttActive, false, 'the second down did not restart the 10 s');
  assert.deepEqual(r.timeouts, [10]);
});

test('refusals: nothing is keyed, the reason goes out once per attempt, and the LED stays dark', () => {
  const r = rig();
  r.refuse('no microphone (--no-audio); chat works');
  assert.equal(r.ptt.press('key'), false);
  assert.equal(r.ptt.hold(true, 'gpio'), false);
  assert.deepEqual(r.refused, ['key: no microphone (--no-audio); chat works', 'gpio: no microphone (--no-audio); chat works']);
  assert.deepEqual([r.calls, r.led, r.clock.armed], [[], [], 0]);
  // Unkeying is never refused.
  r.refuse(null);
  r.ptt.set(true);
  r.refuse('not connected: the server is unreachable (network unreachable)');
  assert.equal(r.ptt.set(false), true);
  assert.equal(r.tx.pttActive, false);
});

test('a transmission that ends by itself (the --audio-in file ended) disarms the time-out and puts the LED out', () => {
  const r = rig(5);
  r.ptt.set(true);
  r.tx.pttActive = false;
  r.ptt.txChanged(false);
  assert.equal(r.clock.armed, 0);
  assert.deepEqual(r.led, [true, false]);
  r.clock.advance(10_000);
  assert.deepEqual(r.timeouts, []);
});

test('disarm (leaving) cancels the time-out without touching the transmitter', () => {
  const r = rig(5);
  r.ptt.press();
  r.ptt.disarm();
  r.clock.advance(60_000);
  assert.deepEqual([r.tx.pttActive, r.timeouts.length], [true, 0]);
});
