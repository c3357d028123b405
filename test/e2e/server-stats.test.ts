import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort, freeTcpPort } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { eventually } from '../helpers/eventually.js';
import type { ServerEvent, AdminActionResult, RoomStats, ServerStats } from '../../src/contract/stats.js';

const TOKEN = 'club-secret';

/** Reads SSE events into an array until closed. */
function subscribe(port: number, token: string, path = '/api/v1/events'): { events: ServerEvent[]; close: () => void; until: (p: (e: ServerEvent[]) => boolean, ms?: number) => Promise<void> } {
  const events: ServerEvent[] = [];
  const req = http.get({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
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
    until: (p, ms = 5000) => eventually(() => p(events), () => `the event wanted (events so far: ${events.map((e) => e.type).join(',')})`, ms, 50),
  };
}

test('stats JSON, live events, Prometheus metrics and token-protected admin actions', async (t) => {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), '--stats-token', TOKEN]);
  t.after(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const base = `http://127.0.0.1:${statsPort}`;
  const auth = { authorization: `Bearer ${TOKEN}` };

  assert.equal((await fetch(`${base}/api/v1/stats`)).status, 401, 'token required when set');
  const sse = subscribe(statsPort, TOKEN);
  t.after(() => sse.close());
  await sse.until((e) => e.some((x) => x.type === 'stats'));

  const a = new SimStation('W1ABC', { host: '127.0.0.1', port });
  const b = new SimStation('VE3XYZ', { host: '127.0.0.1', port });
  await Promise.all([a.bound, b.bound]);
  t.after(() => a.close());
  t.after(() => b.close());
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

test('admin actions are refused when the server has no token', async (t) => {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort)]);
  t.after(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const r = await fetch(`http://127.0.0.1:${statsPort}/api/v1/stations/W1ABC/ban`, { method: 'POST' });
  assert.equal(r.status, 403);
  assert.match(((await r.json()) as AdminActionResult).message, /--stats-token/);
});

test('a wrong flag or an unprotected public stats port is a one-line error', async () => {
  for (const [args, re] of [
    [['server', '--port', '99'], /--port must be 0 \(any free port\) or between 1024 and 65535, got 99 \(see opv server --help\)/],
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

test('json log format emits one object per line', async (t) => {
  const port = await freeUdpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--no-stats', '--log-format', 'json']);
  t.after(() => proc.stop());
  await proc.waitForLine(/"event":"ready"/);
  const a = new SimStation('W1ABC', { host: '127.0.0.1', port });
  await a.bound;
  t.after(() => a.close());
  a.chat('hi');
  const line = await proc.waitForLine(/"event":"station_joined"/);
  const obj = JSON.parse(line) as { callsign: string; endpoint: string; ts: string };
  assert.equal(obj.callsign, 'W1ABC');
  for (const l of proc.lines.filter(Boolean)) JSON.parse(l);
});

test('access lists: --deny, an ACL file re-read on SIGHUP, and the station cap', async (t) => {
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
  t.after(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const mk = async (call: string): Promise<SimStation> => {
    const s = new SimStation(call, { host: '127.0.0.1', port });
    await s.bound;
    t.after(() => s.close());
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

test('rooms on the stats channel: ?room= filters stats and events, /api/v1/rooms, per-room metrics; bad room queries are one-line 400/404', async (t) => {
  const port = await freeUdpPort();
  const netPort = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--room', `NET:${netPort}`, '--stats-port', String(statsPort), '--stats-token', TOKEN]);
  t.after(() => proc.stop());
  await proc.waitForLine(/Server ready/);
  const base = `http://127.0.0.1:${statsPort}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${base}${path}`, { headers: auth });
    return { status: r.status, body: await r.json() };
  };

  for (const [q, status, error] of [
    ['room=bad_name', 400, /bad room name "bad_name"/],
    ['room=NET&room=MAIN', 400, /room given more than once/],
    [`room=${'A'.repeat(17)}`, 400, /over 16 characters/],
    ['room=NOPE', 404, /^no room NOPE$/],
  ] as const) {
    for (const path of ['/api/v1/stats', '/api/v1/events']) {
      const r = await get(`${path}?${q}`);
      assert.equal(r.status, status, `${path}?${q}`);
      assert.match((r.body as { error: string }).error, error);
    }
  }

  const netEvents = subscribe(statsPort, TOKEN, '/api/v1/events?room=net');
  t.after(() => netEvents.close());
  await netEvents.until((e) => e.some((x) => x.type === 'stats'));
  const a = new SimStation('W1ABC', { host: '127.0.0.1', port });
  const b = new SimStation('VE3XYZ', { host: '127.0.0.1', port: netPort });
  await Promise.all([a.bound, b.bound]);
  t.after(() => a.close());
  t.after(() => b.close());
  a.chat('main room');
  b.chat('net room');
  const talk = b.talk(10, 40);
  await a.talk(10, 40);
  await talk;
  await netEvents.until((e) => e.some((x) => x.type === 'ptt_stop' && x.callsign === 'VE3XYZ'));
  await netEvents.until((e) => e.some((x) => x.type === 'stats' && x.stats.stations.length === 1), 5000);
  assert.ok(netEvents.events.every((x) => !('callsign' in x) || x.callsign !== 'W1ABC'), `no MAIN event on the NET stream: ${JSON.stringify(netEvents.events.filter((x) => x.type !== 'stats'))}`);
  const netStats = netEvents.events.filter((x): x is Extract<ServerEvent, { type: 'stats' }> => x.type === 'stats').pop()!.stats;
  assert.deepEqual(netStats.stations.map((x) => x.callsign), ['VE3XYZ']);
  assert.deepEqual(netStats.rooms.map((r) => r.name), ['NET']);

  // Both stations' 13 frames (chat, PTT_START, 10 voice, PTT_STOP) in, so no frame lands between the two reads below.
  let all = (await get('/api/v1/stats')).body as ServerStats;
  await eventually(
    async () => (all = (await get('/api/v1/stats')).body as ServerStats).frames_received >= 26,
    () => `26 frames received (${all.frames_received})`,
    5000,
    50,
  );
  assert.deepEqual(all.stations.map((x) => `${x.callsign}:${x.room}`).sort(), ['VE3XYZ:NET', 'W1ABC:MAIN']);
  const main = (await get('/api/v1/stats?room=main')).body as ServerStats;
  assert.deepEqual(main.stations.map((x) => x.callsign), ['W1ABC']);
  assert.deepEqual(main.rooms.map((r) => r.name), ['MAIN']);
  assert.equal(main.frames_received, all.frames_received, 'server totals stay server-wide');

  const rooms = ((await get('/api/v1/rooms')).body as { rooms: RoomStats[] }).rooms;
  assert.deepEqual(rooms.map((r) => [r.name, r.port, r.stations]), [['MAIN', port, 1], ['NET', netPort, 1]].sort());
  const net = rooms.find((r) => r.name === 'NET')!;
  assert.ok(net.frames_received >= 12, `NET received ${net.frames_received}`);

  const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
  assert.match(metrics, /^opv_room_stations\{room="NET"\} 1$/m);
  assert.match(metrics, /^opv_room_stations\{room="MAIN"\} 1$/m);
  assert.match(metrics, /^opv_room_frames_received_total\{room="NET"\} \d+$/m);
  // A server running alone has no interlink series.
  assert.doesNotMatch(metrics, /^opv_interlink_/m);
});
