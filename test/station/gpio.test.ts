import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { GpioPtt, checkGpioChip, GpioError, type LineSource } from '../../src/station/ptt/gpio.js';

/** The test's own GPIO line: it sets the level, as a finger on a button would. */
class FakeLine implements LineSource {
  private cb: ((active: boolean) => void) | null = null;
  closed = false;
  start(onChange: (active: boolean) => void): void {
    this.cb = onChange;
  }
  level(active: boolean): void {
    this.cb?.(active);
  }
  close(): void {
    this.closed = true;
  }
}

test('GPIO PTT follows the button after debounce and ignores contact bounce', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const line = new FakeLine();
    const events: boolean[] = [];
    const ptt = new GpioPtt(line, (on) => events.push(on), 30);
    ptt.start();
    // Bounce on press: only the settled level counts.
    line.level(true);
    mock.timers.tick(5);
    line.level(false);
    mock.timers.tick(5);
    line.level(true);
    mock.timers.tick(29);
    assert.deepEqual(events, []);
    mock.timers.tick(1);
    assert.deepEqual(events, [true]);
    // A glitch shorter than the debounce while held changes nothing.
    line.level(false);
    mock.timers.tick(10);
    line.level(true);
    mock.timers.tick(100);
    assert.deepEqual(events, [true]);
    line.level(false);
    mock.timers.tick(30);
    assert.deepEqual(events, [true, false]);
    ptt.close();
    assert.equal(line.closed, true);
  } finally {
    mock.timers.reset();
  }
});

test('a missing GPIO chip is one clear error', () => {
  assert.throws(() => checkGpioChip('gpiochip97'), (e: unknown) => e instanceof GpioError && /no GPIO chip \/dev\/gpiochip97/.test(e.message));
});
