import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { GpioError, GpioPtt, type LineSource } from '../../src/station/ptt/gpio.js';
import { holdArgs, monitorArgs, parseEdge, toolFailure, toolRunner, type ToolRunner } from '../../src/station/ptt/gpio-tools.js';
import { chipName, listChips } from '../../src/station/ptt/gpio-resolve.js';
import { loadSettingsFile, SettingsError } from '../../src/station/settings.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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

test('each libgpiod generation gets its own grammar and its events are read its way', () => {
  const o = { chip: 'gpiochip4', offset: 23, activeLow: true, bias: 'pull-up' as const, debounceMs: 30 };
  assert.deepEqual(monitorArgs(1, o), ['-B', 'pull-up', '-l', '-b', '-F', '%e', 'gpiochip4', '23']);
  assert.deepEqual(monitorArgs(2, o), ['-c', 'gpiochip4', '-b', 'pull-up', '-l', '-p', '30ms', '-F', '%e', '23']);
  assert.deepEqual(monitorArgs(1, { ...o, bias: 'disabled', activeLow: false }), ['-B', 'disable', '-b', '-F', '%e', 'gpiochip4', '23']);
  assert.deepEqual(monitorArgs(2, { ...o, bias: 'as-is', debounceMs: 0 }), ['-c', 'gpiochip4', '-l', '-F', '%e', '23']);
  assert.deepEqual([parseEdge(1, '1'), parseEdge(1, '0'), parseEdge(1, '2')], [true, false, null]);
  assert.deepEqual([parseEdge(2, '1'), parseEdge(2, '2'), parseEdge(2, '0')], [true, false, null]);
  assert.deepEqual(holdArgs(1, 'gpiochip0', 17, true), ['--mode=signal', 'gpiochip0', '17=1']);
  assert.deepEqual(holdArgs(2, 'gpiochip0', 17, false), ['-c', 'gpiochip0', '17=0']);
  assert.deepEqual(['4', 'gpiochip4', '/dev/gpiochip4'].map(chipName), ['gpiochip4', 'gpiochip4', 'gpiochip4']);
  assert.match(toolFailure('gpiomon', 'the PTT button', 'gpiomon: unable to request lines on chip /dev/gpiochip0: Device or resource busy\n', 1), /in use by another program/);
  assert.match(toolFailure('gpiomon', 'the PTT button', 'gpiomon: error waiting for events: Device or resource busy\n', 1), /in use by another program/);
});

test('the settings file names GPIO lines by number or name; anything else is one line naming the key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-gpio-settings-'));
  try {
    const f = path.join(dir, 'station.json');
    writeFileSync(f, JSON.stringify({ ptt: { gpio: 'GPIO23', led: 17, gpioChip: null, gpioBias: 'pull-down', gpioActiveHigh: true, gpioDebounceMs: 5 } }));
    assert.deepEqual(loadSettingsFile(f).ptt, { gpio: 'GPIO23', led: 17, gpioChip: null, gpioBias: 'pull-down', gpioActiveHigh: true, gpioDebounceMs: 5 });
    writeFileSync(f, JSON.stringify({ ptt: { gpio: '23; rm -rf /' } }));
    assert.throws(() => loadSettingsFile(f), (e: unknown) => e instanceof SettingsError && /ptt\.gpio must be a line number \(0–1023\) or a line name such as "GPIO23"/.test(e.message));
    writeFileSync(f, JSON.stringify({ ptt: { gpioBias: 'up' } }));
    assert.throws(() => loadSettingsFile(f), /ptt\.gpioBias must be one of pull-up, pull-down, disabled, as-is/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a GPIO tool that hangs, or a gpiodetect that fails, is said as such, never as "no chip on this machine"', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-gpiotool-'));
  try {
    const hang = path.join(dir, 'gpiodetect');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 5\n', { mode: 0o755 });
    await assert.rejects(toolRunner(200)(hang, []), (e: Error) => e instanceof GpioError && /gpiodetect did not answer within 0\.2 s$/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const denied: ToolRunner = () => Promise.resolve({ code: 1, stdout: '', stderr: 'gpiodetect: unable to open gpiochip0: Permission denied\n' });
  await assert.rejects(listChips(denied), /^GpioError: gpiodetect failed \(gpiodetect: unable to open gpiochip0: Permission denied\)$/);
});
