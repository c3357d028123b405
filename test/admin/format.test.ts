import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit, fitRight, formatCompact, formatCount, formatDuration, formatPercent } from '../../src/admin/format.js';
import { formatHeader, formatRow } from '../../src/admin/panels/stations-table.js';
import { describeEvent } from '../../src/admin/panels/event-log.js';
import { chartMax, windowed, xLabels } from '../../src/admin/panels/rate-chart.js';
import { formatConnection } from '../../src/admin/panels/status-bar.js';
import { describeResult } from '../../src/admin/actions.js';
import { formatSnapshot } from '../../src/admin/once.js';
import type { StationRow } from '../../src/admin/model.js';
import { snapshot, station } from './fixtures.js';

test('durations, counts, percentages, fitting', () => {
  assert.deepEqual([0, 7, 65, 3725, 90061, -1].map(formatDuration), ['0s', '7s', '1m05s', '1h02m', '1d01h', '-']);
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(12), '12');
  assert.deepEqual([99_999, 123_456, 1_234_567, 98_765_432, 1_234_567_890, 98_765_432_100].map(formatCompact), ['99,999', '123.5k', '1.23M', '98.8M', '1.23G', '98.8G']);
  assert.equal(formatPercent(1, 3), '33.3%');
  assert.equal(formatPercent(1, 0), '-');
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('ab', 4), 'ab  ');
  assert.equal(fitRight('ab', 4), '  ab');
});

const row = (over: Partial<StationRow> = {}): StationRow => ({
  callsign: 'W1ABC',
  endpoint: '[2001:db8::1]:57372',
  talking: false,
  frames: 12345,
  bytes: 0,
  kbps: 26.8,
  lastSeenS: 3,
  timeoutInS: 297,
  connectedS: 10,
  ...over,
});

test('table rows line up with the header at any width; TALKING is highlighted', () => {
  for (const width of [60, 100, 160]) {
    const header = formatHeader(width, 'frames', true);
    const idle = formatRow(row(), width);
    assert.equal(idle.length, header.length, `width ${width}`);
    assert.match(header, /FRAMES▼/);
    assert.equal(header.indexOf('STATE'), idle.indexOf('idle'));
    const talking = formatRow(row({ talking: true }), width);
    assert.match(talking, /\{red-bg\}\{bold\}TALKING\{\/bold\}\{\/red-bg\}/);
    assert.equal(talking.replace(/\{[^}]*\}/g, '').length, header.length);
  }
  assert.match(formatRow(row(), 160), /^W1ABC\s+\[2001:db8::1\]:57372\s+idle\s+12,345\s+26\.8\s+3s ago\s+4m57s$/);
  // The narrow layout on an 80-column terminal leaves the list 77 cells: everything fits.
  assert.ok(formatHeader(77, 'callsign', false).trimEnd().length <= 77);
  assert.match(formatHeader(77, 'callsign', false), /TIMEOUT$/);
  assert.match(formatRow(row({ endpoint: '255.255.255.255:65535', frames: 123_456_789, lastSeenS: 3599 }), 77), /255\.255\.255\.255:65535\s+idle\s+123\.5M\s+26\.8\s+59m59s ago\s+4m57s$/);
});

test('every event type has a one-line description (stats has none)', () => {
  const at = 0;
  assert.equal(describeEvent({ type: 'station_joined', at, callsign: 'W1ABC', endpoint: '1.2.3.4:5', room: 'MAIN' }), '+ W1ABC joined from 1.2.3.4:5');
  assert.equal(describeEvent({ type: 'station_left', at, callsign: 'W1ABC', endpoint: 'e', reason: 'bye', room: 'MAIN' }), '- W1ABC left (BYE) from e');
  assert.equal(describeEvent({ type: 'station_left', at, callsign: 'W1ABC', endpoint: 'e', reason: 'banned', room: 'MAIN' }), '- W1ABC left (banned) from e');
  assert.equal(describeEvent({ type: 'station_timeout', at, callsign: 'W1ABC', endpoint: 'e', idle_s: 300.4, room: 'MAIN' }), '! W1ABC timed out after 300 s silent (e)');
  assert.equal(describeEvent({ type: 'endpoint_changed', at, callsign: 'W1ABC', from: 'a', to: 'b' }), '~ W1ABC moved a → b');
  assert.equal(describeEvent({ type: 'hijack_refused', at, callsign: 'W1ABC', endpoint: 'x', holder: 'h' }), 'x W1ABC refused from x: held by h');
  assert.equal(describeEvent({ type: 'ptt_start', at, callsign: 'W1ABC', room: 'MAIN' }), '> W1ABC PTT start');
  assert.equal(describeEvent({ type: 'ptt_stop', at, callsign: 'W1ABC', room: 'MAIN' }), '. W1ABC PTT stop');
  assert.equal(describeEvent({ type: 'stats', at, stats: snapshot() }), null);
});

test('charts: fixed window padded with zeros, never a zero scale', () => {
  assert.deepEqual(windowed([1, 2], 4), [0, 0, 1, 2]);
  assert.deepEqual(windowed([1, 2, 3, 4, 5], 3), [3, 4, 5]);
  assert.deepEqual(xLabels(3), ['-2s', '-1s', '0s']);
  assert.equal(chartMax([[0, 0], [0]]), 1);
  assert.equal(chartMax([[0, 10], [5]]), 12);
});

test('connection line and action results', () => {
  assert.equal(formatConnection({ status: 'unreachable', message: 'cannot reach x', retryInMs: 2000 }), 'UNREACHABLE: cannot reach x — retrying in 2.0 s');
  assert.equal(formatConnection({ status: 'connected', message: 'connected to x', retryInMs: null }), 'CONNECTED: connected to x');
  assert.equal(describeResult({ ok: true, action: 'kick', callsign: 'W1ABC', message: 'kicked W1ABC' }), 'Kick W1ABC: done — kicked W1ABC');
  assert.equal(describeResult({ ok: false, action: 'ban', callsign: 'W1ABC', message: 'no' }), 'Ban W1ABC refused: no');
});

test('--once text: figures, health with the lifetime rule, stations by callsign', () => {
  const text = formatSnapshot(
    snapshot({
      uptime_s: 3725,
      frames_received: 100,
      decode_errors: 50,
      stations: [station('W1ABC', { talking: true, frames: 90, bytes: 12060 }), station('K2XYZ', { endpoint: '10.0.0.2:1', last_seen_s: 65 })],
    }),
    'http://127.0.0.1:57380',
  );
  const lines = text.split('\n');
  assert.equal(lines[0], 'opv server at http://127.0.0.1:57380');
  assert.match(text, /^Uptime\s+1h02m$/m);
  assert.match(text, /^Talking\s+W1ABC$/m);
  assert.match(text, /^WARNING: High decode error rate: 33\.3% of datagrams undecodable$/m);
  const table = lines.slice(lines.findIndex((l) => l.startsWith('CALLSIGN')) + 1).filter(Boolean);
  assert.match(table[0]!, /^K2XYZ\s+10\.0\.0\.2:1\s+idle\s+0\s+0\s+1m05s ago\s+5m00s$/);
  assert.match(table[1]!, /^W1ABC\s+127\.0\.0\.1:40000\s+TALKING\s+90\s+12,060\s+0s ago\s+5m00s$/);
  assert.match(formatSnapshot(snapshot(), 'u'), /^Health\s+ok\n\nNo stations\.\n$/m);
});
