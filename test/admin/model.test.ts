import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DashboardModel, nextSortKey, SORT_KEYS, sortRows, type StationRow } from '../../src/admin/model.js';
import { assessHealth } from '../../src/admin/health.js';
import { snapshot, station } from './fixtures.js';

test('rates are the deltas of the totals divided by the time between snapshots', () => {
  const m = new DashboardModel();
  m.update(snapshot({ uptime_s: 10, frames_received: 100, frames_forwarded: 200, voice_frames: 80, text_frames: 5, control_frames: 15, decode_errors: 3, rate_limited: 1 }), 10_000);
  assert.equal(m.samples.length, 0, 'one snapshot gives no rate');
  m.update(snapshot({ uptime_s: 12, frames_received: 150, frames_forwarded: 300, voice_frames: 120, text_frames: 7, control_frames: 23, decode_errors: 7, rate_limited: 11 }), 12_000);
  const s = m.samples[0]!;
  assert.deepEqual(
    { received: s.received, forwarded: s.forwarded, voice: s.voice, text: s.text, control: s.control, decodeErrors: s.decodeErrors, rateLimited: s.rateLimited },
    { received: 25, forwarded: 50, voice: 20, text: 1, control: 4, decodeErrors: 2, rateLimited: 5 },
  );
  assert.deepEqual(m.series('received'), [25]);
});

test('per-station kbit/s from byte deltas; reset by an endpoint change, dropped with the station', () => {
  const m = new DashboardModel();
  const at = (bytes: number, endpoint = '127.0.0.1:1') => snapshot({ stations: [station('W1ABC', { bytes, endpoint })] });
  m.update(at(0), 0);
  assert.equal(m.rows()[0]!.kbps, 0);
  m.update(at(3350), 1000); // 25 frames × 134 bytes in one second
  assert.ok(Math.abs(m.rows()[0]!.kbps - 26.8) < 1e-9);
  m.update(at(6700), 2000);
  assert.ok(Math.abs(m.rows()[0]!.kbps - 26.8) < 1e-9);
  m.update(at(7000, '127.0.0.1:2'), 3000);
  assert.equal(m.rows()[0]!.kbps, 0, 'a new endpoint is a new session');
  m.update(snapshot(), 4000);
  assert.equal(m.rows().length, 0);
  m.update(at(100), 5000);
  assert.equal(m.rows()[0]!.kbps, 0, 'a returning station starts from zero, not from its old bytes');
});

test('a server restart (counters going backwards) starts rates afresh without negative samples', () => {
  const m = new DashboardModel();
  m.update(snapshot({ uptime_s: 100, frames_received: 5000 }), 0);
  m.update(snapshot({ uptime_s: 101, frames_received: 5025 }), 1000);
  const r = m.update(snapshot({ uptime_s: 1, frames_received: 10 }), 2000);
  assert.equal(r.restarted, true);
  assert.equal(m.restarts, 1);
  assert.equal(m.samples.length, 1);
  m.update(snapshot({ uptime_s: 2, frames_received: 35 }), 3000);
  assert.deepEqual(m.series('received'), [25, 25]);
  assert.ok(m.samples.every((s) => s.received >= 0));
});

test('history is bounded by its time span', () => {
  const m = new DashboardModel({ historyS: 60 });
  for (let i = 0; i <= 300; i++) m.update(snapshot({ uptime_s: i, frames_received: i * 10 }), i * 1000);
  assert.ok(m.samples.length <= 61, `kept ${m.samples.length}`);
  assert.equal(m.samples[m.samples.length - 1]!.atMs, 300_000);
  assert.deepEqual(m.series('received', 3), [10, 10, 10]);
});

test('snapshots out of order or at the same instant add no sample', () => {
  const m = new DashboardModel();
  m.update(snapshot({ frames_received: 10 }), 1000);
  m.update(snapshot({ frames_received: 20 }), 1000);
  m.update(snapshot({ frames_received: 30 }), 900);
  assert.equal(m.samples.length, 0);
});

const rowArb = fc.record({
  callsign: fc.stringMatching(/^[A-Z0-9]{3,7}$/),
  endpoint: fc.constantFrom('127.0.0.1:5', '10.0.0.2:40000', '[::1]:9'),
  talking: fc.boolean(),
  frames: fc.nat(1e6),
  bytes: fc.nat(1e8),
  kbps: fc.double({ min: 0, max: 100, noNaN: true }),
  lastSeenS: fc.nat(400),
  timeoutInS: fc.nat(300),
  connectedS: fc.nat(1e5),
});

test('sorting: every key orders rows as documented, descending reverses, ties by callsign', () => {
  fc.assert(
    fc.property(fc.uniqueArray(rowArb, { selector: (r) => r.callsign, maxLength: 40 }), fc.constantFrom(...SORT_KEYS), (rows: StationRow[], key) => {
      const asc = sortRows(rows, key);
      const desc = sortRows(rows, key, true);
      assert.equal(asc.length, rows.length);
      const val = (r: StationRow): number | string =>
        ({ callsign: r.callsign, endpoint: r.endpoint, state: r.talking ? 0 : 1, frames: -r.frames, kbps: -r.kbps, last_heard: r.lastSeenS, timeout: r.timeoutInS })[key];
      for (let i = 1; i < asc.length; i++) {
        const a = val(asc[i - 1]!);
        const b = val(asc[i]!);
        if (typeof a === 'number' && typeof b === 'number') assert.ok(a <= b, `${key} ascending`);
        const da = val(desc[i - 1]!);
        const db = val(desc[i]!);
        if (typeof da === 'number' && typeof db === 'number') assert.ok(da >= db, `${key} descending`);
      }
    }),
  );
});

test('sorting examples: talking first, busiest first, soonest timeout first', () => {
  const m = new DashboardModel();
  m.update(
    snapshot({
      stations: [
        station('N0AAA', { frames: 10, timeout_in_s: 200 }),
        station('K1BBB', { frames: 500, talking: true, timeout_in_s: 290 }),
        station('W2CCC', { frames: 50, timeout_in_s: 5 }),
      ],
    }),
    0,
  );
  const calls = (key: Parameters<DashboardModel['rows']>[0], desc = false) => m.rows(key, desc).map((r) => r.callsign);
  assert.deepEqual(calls('callsign'), ['K1BBB', 'N0AAA', 'W2CCC']);
  assert.deepEqual(calls('callsign', true), ['W2CCC', 'N0AAA', 'K1BBB']);
  assert.deepEqual(calls('state'), ['K1BBB', 'N0AAA', 'W2CCC']);
  assert.deepEqual(calls('frames'), ['K1BBB', 'W2CCC', 'N0AAA']);
  assert.deepEqual(calls('timeout'), ['W2CCC', 'N0AAA', 'K1BBB']);
  assert.equal(nextSortKey('timeout'), 'callsign');
  assert.equal(nextSortKey('callsign'), 'endpoint');
});

test('health thresholds: decode errors above 5 % (20 at least), timeouts above 25 % (3 at least)', () => {
  assert.deepEqual(assessHealth({ framesReceived: 1000, decodeErrors: 19, timeouts: 0, activeStations: 5 }).warnings, []);
  assert.deepEqual(assessHealth({ framesReceived: 100, decodeErrors: 19, timeouts: 0, activeStations: 5 }).warnings, [], 'too few to judge');
  const bad = assessHealth({ framesReceived: 100, decodeErrors: 20, timeouts: 0, activeStations: 5 });
  assert.deepEqual(bad.warnings.map((w) => w.kind), ['decode_errors']);
  assert.match(bad.warnings[0]!.message, /High decode error rate: 16\.7%/);
  assert.deepEqual(assessHealth({ framesReceived: 0, decodeErrors: 0, timeouts: 3, activeStations: 9 }).warnings, [], 'exactly 25 % is not above');
  assert.deepEqual(assessHealth({ framesReceived: 0, decodeErrors: 0, timeouts: 3, activeStations: 8 }).warnings.map((w) => w.kind), ['timeouts']);
  assert.deepEqual(assessHealth({ framesReceived: 0, decodeErrors: 0, timeouts: 2, activeStations: 0 }).warnings, []);
});

test('the model judges health on the recent window, not on old history', () => {
  const m = new DashboardModel({ healthWindowS: 60 });
  // A burst of junk at the start …
  m.update(snapshot({ uptime_s: 0, frames_received: 0, decode_errors: 0 }), 0);
  m.update(snapshot({ uptime_s: 1, frames_received: 10, decode_errors: 500 }), 1000);
  assert.deepEqual(m.health().warnings.map((w) => w.kind), ['decode_errors']);
  // … then two clean minutes.
  for (let t = 2; t <= 130; t++) m.update(snapshot({ uptime_s: t, frames_received: 10 + t * 25, decode_errors: 500 }), t * 1000);
  assert.deepEqual(m.health().warnings, []);
  assert.equal(m.health().decodeErrorRate, 0);
});
