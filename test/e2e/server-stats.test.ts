import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort, freeTcpPort } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import type { ServerEvent, AdminActionResult, ServerStats } from '../../src/contract/stats.js';

const TOKEN = 'club-secret';
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Reads SSE events into an array until closed. */
function subscribe(port: number, token: string): { events: ServerEvent[]; close: () => void; until: (p: (e: ServerEvent[]) => boolean, ms?: number) => Promise<void> } {
  const events: ServerEvent[] = [];
  const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { authorization: `Bearer ${token}` } }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)) as ServerEvent);
      }
    });
  });
  req.on('error', () => undefined);
  return {
    events,
    close: () => req.destroy(),
    async until(p, ms = 5000) {
      const end = Date.now() + ms;
      while (!p(events)) {
        if (Date.now() > end) throw new Error(`events so far: ${events.map((e) => e.type).join(',')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

test('stats JSON, live events, Prometheus metrics and token-protected admin actions', async () => {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), '--stats-token', TOKEN]);
  cleanups.push(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const base = `http://127.0.0.1:${statsPort}`;
  const auth = { authorization: `Bearer ${TOKEN}` };

  assert.equal((await fetch(`${base}/api/v1/stats`)).status, 401, 'token required when set');
  const sse = subscribe(statsPort, TOKEN);
  cleanups.push(async () => sse.close());
  await sse.until((e) => e.some((x) => x.type === 'stats'));

  const a = new SimStation('W1ABC', { host: '127.0.0.1', port });
  const b = new SimStation('VE3XYZ', { host: '127.0.0.1', port });
  await Promise.all([a.bound, b.bound]);
  cleanups.push(() => a.close(), () => b.close());
  b.chat('listening');
  a.chat('hello');
  await sse.until((e) => e.filter((x) => x.type === 'station_joined').length === 2);
  const talk = a.talk(10, 40);
  await sse.until((e) => e.some((x) => x.type === 'ptt_start' && x.callsign === 'W1ABC'));
  const during = (await (await fetch(`${base}/api/v1/stats`, { headers: auth })).json()) as ServerStats;
  assert.equal(during.stations.find((s) => s.callsign === 'W1ABC')!.talking, true);
  await talk;
  await sse.until((e) => e.some((x) => x.type === 'ptt_stop' && x.callsign === 'W1ABC'));

  const s = (await (await fetch(`${base}/api/v1/stats`, { headers: auth })).json()) as ServerStats;
  for (const k of ['uptime_s', 'frames_received', 'frames_forwarded', 'decode_errors', 'rate_limited', 'timed_out_stations', 'active_stations'] as const) {
    assert.equal(typeof s[k], 'number', k);
  }
  const w = s.stations.find((x) => x.callsign === 'W1ABC')!;
  assert.equal(w.voice_frames, 10);
  assert.equal(w.control_frames, 2);
  assert.equal(w.text_frames, 1);
  assert.equal(w.talking, false);
  assert.match(w.endpoint, /^127\.0\.0\.1:\d+$/);
  for (const k of ['frames', 'bytes', 'last_seen_s'] as const) assert.equal(typeof w[k], 'number');

  const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
  assert.match(metrics, /^opv_frames_received_total \d+$/m);
  assert.match(metrics, /^opv_active_stations 2$/m);
  assert.match(metrics, /^opv_frames_by_kind_total\{kind="voice"\} 10$/m);

  const noToken = await fetch(`${base}/api/v1/stations/W1ABC/kick`, { method: 'POST' });
  assert.equal(noToken.status, 401);
  const kick = await fetch(`${base}/api/v1/stations/W1ABC/kick`, { method: 'POST', headers: auth });
  assert.equal(kick.status, 200);
  assert.equal(((await kick.json()) as AdminActionResult).ok, true);
  await sse.until((e) => e.some((x) => x.type === 'station_left' && x.callsign === 'W1ABC' && x.reason === 'kicked'));
  await proc.waitForLine(/🚫 KICKED: W1ABC/);

  const ban = await fetch(`${base}/api/v1/stations/VE3XYZ/ban`, { method: 'POST', headers: auth });
  assert.equal(ban.status, 200);
  await proc.waitForLine(/🚫 BANNED: VE3XYZ/);
  b.chat('let me back in');
  await proc.waitForLine(/⛔ DENIED: VE3XYZ/);
  const after = (await (await fetch(`${base}/api/v1/stats`, { headers: auth })).json()) as ServerStats;
  assert.equal(after.stations.some((x) => x.callsign === 'VE3XYZ'), false);
  const missing = await fetch(`${base}/api/v1/stations/N0CALL/kick`, { method: 'POST', headers: auth });
  assert.equal(missing.status, 404);
});

test('admin actions are refused when the server has no token', async () => {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort)]);
  cleanups.push(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const r = await fetch(`http://127.0.0.1:${statsPort}/api/v1/stations/W1ABC/ban`, { method: 'POST' });
  assert.equal(r.status, 403);
  assert.match(((await r.json()) as AdminActionResult).message, /--stats-token/);
});

test('a wrong flag or an unprotected public stats port is a one-line error', async () => {
  for (const [args, re] of [
    [['server', '--port', '99'], /--port must be between 1024 and 65535, got 99/],
    [['server', '--stats-host', '0.0.0.0'], /not loopback: set --stats-token/],
    [['server', '--log-format', 'xml'], /--log-format must be one of human, json/],
  ] as const) {
    const p = new Proc(opvBin, [...args]);
    const code = await p.wait();
    assert.notEqual(code, 0);
    assert.match(p.output, re);
    assert.doesNotMatch(p.output, /\n\s+at /, 'no stack trace');
  }
});

test('json log format emits one object per line', async () => {
  const port = await freeUdpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--no-stats', '--log-format', 'json']);
  cleanups.push(() => proc.stop());
  await proc.waitForLine(/"event":"ready"/);
  const a = new SimStation('W1ABC', { host: '127.0.0.1', port });
  await a.bound;
  cleanups.push(() => a.close());
  a.chat('hi');
  const line = await proc.waitForLine(/"event":"station_joined"/);
  const obj = JSON.parse(line) as { callsign: string; endpoint: string; ts: string };
  assert.equal(obj.callsign, 'W1ABC');
  for (const l of proc.lines.filter(Boolean)) JSON.parse(l);
});

test('access lists: --deny, an ACL file re-read on SIGHUP, and the station cap', async () => {
  const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/opv-acl-`);
  const acl = `${dir}/acl`;
  writeFileSync(acl, '# club list\ndeny N0CALL\n');
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, [
    'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort),
    '--deny', 'W1BAD', '--acl-file', acl, '--max-stations', '2', '--stats-token', TOKEN,
  ]);
  cleanups.push(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const mk = async (call: string): Promise<SimStation> => {
    const s = new SimStation(call, { host: '127.0.0.1', port });
    await s.bound;
    cleanups.push(() => s.close());
    return s;
  };
  const bad = await mk('W1BAD');
  const nocall = await mk('N0CALL');
  const a = await mk('W1ABC');
  bad.chat('let me in');
  nocall.chat('me too');
  a.chat('hello');
  await proc.waitForLine(/⛔ DENIED: W1BAD/);
  await proc.waitForLine(/⛔ DENIED: N0CALL/);
  await proc.waitForLine(/NEW STATION: W1ABC/);
  // The list changes on disk; SIGHUP applies it and drops stations it now denies.
  writeFileSync(acl, 'deny W1ABC\n');
  proc.child.kill('SIGHUP');
  await proc.waitForLine(/Access lists reloaded: 0 allowed, 2 denied/);
  await proc.waitForLine(/BANNED: W1ABC/);
  nocall.chat('now?');
  await proc.waitForLine(/NEW STATION: N0CALL/);
  const b = await mk('VE3XYZ');
  const c = await mk('K5XYZ');
  b.chat('second');
  await proc.waitForLine(/NEW STATION: VE3XYZ/);
  c.chat('third');
  await proc.waitForLine(/STATION LIMIT \(2\) reached: K5XYZ/);
  // A ban from the console goes to the state directory's ban list (so unban can lift it), not into the sysop's file.
  const ban = await fetch(`http://127.0.0.1:${statsPort}/api/v1/stations/VE3XYZ/ban`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(ban.status, 200);
  assert.doesNotMatch(readFileSync(acl, 'utf8'), /VE3XYZ/);
});
