import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseActionResult, parseEvent, parseStats, SseParser } from '../../src/admin/wire.js';
import { snapshot, station } from './fixtures.js';

test('SSE: event and data lines, comments, CRLF, multi-line data, blank-line dispatch', () => {
  const p = new SseParser();
  const out = p.push(': opv stats channel\n\nevent: ptt_start\ndata: {"a":1}\n\nevent: x\r\ndata: one\r\ndata: two\r\n\r\ndata:nospace\n\n');
  assert.deepEqual(out, [
    { event: 'ptt_start', data: '{"a":1}' },
    { event: 'x', data: 'one\ntwo' },
    { event: 'message', data: 'nospace' },
  ]);
  assert.deepEqual(p.push('event: half'), []);
  assert.deepEqual(p.push('\ndata: 1\n'), []);
  assert.deepEqual(p.push('\n'), [{ event: 'half', data: '1' }]);
});

test('SSE: any split of the stream into chunks gives the same messages', () => {
  const stream = 'event: a\ndata: {"x":1}\n\n: c\n\nevent: b\r\ndata: 2\r\n\r\nevent: c\rdata: 3\r\r\n';
  const whole = new SseParser().push(stream);
  assert.equal(whole.length, 3);
  fc.assert(
    fc.property(fc.array(fc.nat(stream.length), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const p = new SseParser();
      const got = [];
      let from = 0;
      for (const c of [...points, stream.length]) {
        got.push(...p.push(stream.slice(from, c)));
        from = c;
      }
      assert.deepEqual(got, whole);
    }),
  );
});

test('stats are checked field by field; a wrong one is named', () => {
  const good = snapshot({ stations: [station('W1ABC')] });
  assert.equal(parseStats(JSON.parse(JSON.stringify(good))).ok, true);
  const cases: [unknown, RegExp][] = [
    [null, /^stats must be a JSON object \(got null\)$/],
    [[], /stats must be a JSON object/],
    [{ ...good, uptime_s: 'x' }, /^stats\.uptime_s must be a number \(got "x"\)$/],
    [{ ...good, stations: {} }, /stats\.stations must be a list/],
    [{ ...good, stations: [{ ...station('W1ABC'), talking: 'yes' }] }, /stations\[0\]\.talking/],
    [{ ...good, stations: [{ ...station('W1ABC'), bytes: null }] }, /stats\.stations\[0\]\.bytes must be a number \(got null\)/],
    [{ ...good, stations: [{ endpoint: 'x' }] }, /stats\.stations\[0\]\.callsign must be a string \(missing\) \(and 9 more problems\)/],
  ];
  for (const [v, re] of cases) {
    const r = parseStats(v);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, re);
  }
});

test('events: each type checked, garbage is a reason not an exception', () => {
  const ok = (type: string, v: object) => parseEvent(type, JSON.stringify({ type, at: 1, ...v }));
  assert.equal(ok('station_joined', { callsign: 'W1ABC', endpoint: '1.2.3.4:5' }).ok, true);
  assert.equal(ok('station_left', { callsign: 'W1ABC', endpoint: 'e', reason: 'bye' }).ok, true);
  assert.equal(ok('station_timeout', { callsign: 'W1ABC', endpoint: 'e', idle_s: 300 }).ok, true);
  assert.equal(ok('endpoint_changed', { callsign: 'W1ABC', from: 'a', to: 'b' }).ok, true);
  assert.equal(ok('ptt_start', { callsign: 'W1ABC' }).ok, true);
  assert.equal(ok('ptt_stop', { callsign: 'W1ABC' }).ok, true);
  assert.equal(ok('hijack_refused', { callsign: 'W1ABC', endpoint: 'e', holder: 'h' }).ok, true);
  const st = ok('stats', { stats: snapshot() });
  assert.equal(st.ok && st.value.type === 'stats' && st.value.stats.uptime_s, 10);

  assert.equal(ok('station_timeout', { callsign: 'W1ABC', endpoint: 'e' }).ok, false);
  assert.equal(ok('stats', { stats: { uptime_s: 1 } }).ok, false);
  assert.equal(ok('wat', {}).ok, false);
  assert.equal(parseEvent('ptt_start', '{"type":"ptt_stop","at":1,"callsign":"X"}').ok, false, 'event name and type must agree');
  assert.equal(parseEvent('ptt_start', '{"type":"ptt_start","callsign":"X"}').ok, false, 'needs a timestamp');
  fc.assert(
    fc.property(fc.string(), fc.string(), (type, data) => {
      const r = parseEvent(type, data);
      assert.equal(typeof r.ok, 'boolean');
    }),
  );
});

test('action results need ok and message', () => {
  assert.equal(parseActionResult({ ok: true, action: 'kick', callsign: 'W1ABC', message: 'kicked' }).ok, true);
  assert.equal(parseActionResult({ error: 'missing token' }).ok, false);
  assert.equal(parseActionResult('x').ok, false);
});
