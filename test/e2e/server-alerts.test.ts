/**
 * Alerts through the real interfaces: a spawned server, junk datagrams, a flooding
 * station and a station keyed past the limit; each alert raised and cleared on the
 * event stream, in the stats JSON, as a Prometheus gauge and as one log line each.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createSocket } from 'node:dgram';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort, freeTcpPort } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { eventually } from '../helpers/eventually.js';
import type { ServerEvent, ServerStats } from '../../src/contract/stats.js';

function subscribe(t: TestContext, port: number): { events: ServerEvent[]; until: (p: (e: ServerEvent) => boolean, what: string, ms?: number) => Promise<ServerEvent> } {
  const events: ServerEvent[] = [];
  const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events' }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
        buf = buf.slice(i + 2);
        if (data) events.push(JSON.parse(data.slice(6)) as ServerEvent);
      }
    });
  });
  req.on('error', () => undefined);
  t.after(() => void req.destroy());
  return {
    events,
    async until(p, what, ms = 20_000) {
      let e: ServerEvent | undefined;
      await eventually(() => (e = events.find(p)) !== undefined, () => `${what} (events: ${events.filter((x) => x.type !== 'stats').map((x) => JSON.stringify(x)).join(' ')})`, ms, 50);
      return e!;
    },
  };
}

test('decode errors, a flood and a stuck PTT each raise an alert and clear it', async (t) => {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, [
    'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), '--stats-interval', '0',
    '--alert-decode-errors', '5', '--alert-flood', '10', '--rate', '30', '--burst', '10', '--alert-stuck-ptt', '2', '--alert-clear', '1',
  ]);
  t.after(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const base = `http://127.0.0.1:${statsPort}`;
  const sse = subscribe(t, statsPort);
  await sse.until((e) => e.type === 'stats', 'first stats');
  const isAlert = (type: 'alert_raised' | 'alert_cleared', kind: string) => (e: ServerEvent) => e.type === type && e.kind === kind;

  // Junk: 30 datagrams/s that are not frames.
  const junk = createSocket('udp4');
  t.after(() => void junk.close());
  const spray = setInterval(() => junk.send(Buffer.from('not a frame'), port, '127.0.0.1'), 33);
  const raised = await sse.until(isAlert('alert_raised', 'decode_errors'), 'decode_errors raised');
  assert.equal(raised.type === 'alert_raised' && raised.subject, null);
  const s = (await (await fetch(`${base}/api/v1/stats`)).json()) as ServerStats;
  assert.ok(s.alerts.some((a) => a.kind === 'decode_errors' && /decode errors\/s \(limit 5\/s\)/.test(a.message)), JSON.stringify(s.alerts));
  assert.match(await (await fetch(`${base}/metrics`)).text(), /^opv_alert_active\{kind="decode_errors",subject=""\} 1$/m);
  await proc.waitForLine(/ALERT decode_errors: .*decode errors\/s/);
  clearInterval(spray);

  // A registered station sending 100 frames/s against a limit of 30/s.
  const flooder = new SimStation('W1FLD', { host: '127.0.0.1', port });
  await flooder.bound;
  t.after(() => flooder.close());
  flooder.chat('hello');
  const flood = setInterval(() => {
    for (let i = 0; i < 10; i++) flooder.voice();
  }, 100);
  const f = await sse.until(isAlert('alert_raised', 'flood'), 'flood raised');
  assert.match(f.type === 'alert_raised' ? (f.subject ?? '') : '', /^\d+@127\.0\.0\.1$/, 'the subject is the source address');
  clearInterval(flood);

  // Keyed for 4 s against a limit of 2 s (paced under the rate limit).
  const talker = new SimStation('W1PTT', { host: '127.0.0.1', port });
  await talker.bound;
  t.after(() => talker.close());
  const talk = talker.talk(100, 40);
  // The flooder's voice counts as keyed too, and on a slow machine it may pass the limit first.
  const stuck = (type: 'alert_raised' | 'alert_cleared') => (e: ServerEvent) => isAlert(type, 'stuck_ptt')(e) && 'subject' in e && e.subject === 'W1PTT';
  const p = await sse.until(stuck('alert_raised'), 'stuck_ptt raised for W1PTT');
  assert.equal(p.type === 'alert_raised' && p.message.includes('W1PTT keyed for'), true, JSON.stringify(p));
  await proc.waitForLine(/ALERT stuck_ptt \(W1PTT\): W1PTT keyed for \d+ s \(limit 2 s\)/);
  await talk;

  // Each clears once its condition is gone (the decode-error window is 10 s).
  await sse.until(stuck('alert_cleared'), 'stuck_ptt cleared for W1PTT');
  await sse.until(isAlert('alert_cleared', 'flood'), 'flood cleared');
  await sse.until(isAlert('alert_cleared', 'decode_errors'), 'decode_errors cleared', 30_000);
  await proc.waitForLine(/ALERT CLEARED decode_errors: cleared: /);
  const after2 = (await (await fetch(`${base}/api/v1/stats`)).json()) as ServerStats;
  assert.deepEqual(after2.alerts, []);
  assert.doesNotMatch(await (await fetch(`${base}/metrics`)).text(), /^opv_alert_active\{/m);
  // One line per raise and clear, not one per occurrence.
  assert.equal(proc.output.split('\n').filter((l) => /ALERT decode_errors/.test(l)).length, 1);
});
