import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backoffMs, parseBaseUrl, StatsClient, StatsClientError, type ConnectionState } from '../../src/admin/client.js';
import type { ServerEvent, ServerStats } from '../../src/contract/stats.js';
import { freeTcpPort } from '../helpers/paths.js';
import { snapshot, station } from './fixtures.js';

/** A real HTTP server on loopback speaking (or deliberately mis-speaking) the stats channel. */
class FakeStatsServer {
  readonly server: http.Server;
  readonly streams = new Set<http.ServerResponse>();
  token: string | null = null;
  statsBody = JSON.stringify(snapshot({ stations: [station('W1ABC')] }));
  /** Open the event stream but never write to it (a hung server). */
  silent = false;
  actionAnswer: { status: number; body: string } = { status: 200, body: JSON.stringify({ ok: true, action: 'kick', callsign: 'W1ABC', message: 'kicked' }) };
  lastAuth: string | undefined;
  /** What /bans answers, and the last announce body received. */
  bansAnswer: { status: number; body: string } = { status: 200, body: JSON.stringify({ bans: [{ callsign: 'K1BAD', since: 1_700_000_000_000, until: null, reason: 'sysop' }] }) };
  lastBody = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      this.lastAuth = req.headers.authorization;
      if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing or wrong bearer token"}');
        return;
      }
      if (req.url === '/api/v1/stats') res.writeHead(200).end(this.statsBody);
      else if (req.url === '/api/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (this.silent) return;
        res.write(': hello\n\n');
        this.streams.add(res);
        req.on('close', () => this.streams.delete(res));
        this.send({ type: 'stats', at: 1000, stats: snapshot() });
      } else if (req.method === 'POST' && /\/kick$/.test(req.url ?? '')) res.writeHead(this.actionAnswer.status).end(this.actionAnswer.body);
      else if (req.url === '/api/v1/bans') res.writeHead(this.bansAnswer.status).end(this.bansAnswer.body);
      else if (req.method === 'POST' && req.url === '/api/v1/stations/K1BAD/unban') res.writeHead(200).end('{"ok":true,"message":"K1BAD unbanned"}');
      else if (req.method === 'POST' && req.url === '/api/v1/announce') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          this.lastBody = body;
          res.writeHead(200).end('{"ok":true,"message":"announced to 2 stations"}');
        });
      } else res.writeHead(404).end('{"error":"no such endpoint"}');
    });
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  send(e: ServerEvent | { raw: string }): void {
    const text = 'raw' in e ? e.raw : `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    for (const s of this.streams) s.write(text);
  }

  close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function waitFor<T>(client: StatsClient, event: 'state' | 'stats' | 'event' | 'problem', pred: (v: T) => boolean, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} matching within ${ms} ms; state ${JSON.stringify(client.state)}`)), ms);
    const on = (v: T): void => {
      if (!pred(v)) return;
      clearTimeout(t);
      client.off(event, on as never);
      resolve(v);
    };
    client.on(event, on as never);
  });
}

test('backoff doubles up to its cap; URLs are checked', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, 500, 5000)), [500, 1000, 2000, 4000, 5000, 5000]);
  assert.equal(parseBaseUrl('http://h:1/prefix/').pathname, '/prefix');
  assert.throws(() => parseBaseUrl('ftp://h'), /--url must be an http/);
  assert.throws(() => parseBaseUrl('not a url'), StatsClientError);
});

test('fetchStats: parsed stats, the token sent, one-line errors for 401, junk and a closed port', async () => {
  const fake = new FakeStatsServer();
  const port = await fake.listen();
  cleanups.push(() => fake.close());
  const url = `http://127.0.0.1:${port}`;
  const s = await new StatsClient({ url }).fetchStats();
  assert.equal(s.stations[0]!.callsign, 'W1ABC');

  fake.token = 'sekrit';
  await assert.rejects(new StatsClient({ url }).fetchStats(), (e: StatsClientError) => e.kind === 'unauthorized' && /needs a token \(401\): pass --token or set OPV_STATS_TOKEN/.test(e.message));
  await assert.rejects(new StatsClient({ url, token: 'wrong' }).fetchStats(), /refused the token \(401\)/);
  assert.equal((await new StatsClient({ url, token: 'sekrit' }).fetchStats()).uptime_s, 10);
  assert.equal(fake.lastAuth, 'Bearer sekrit');

  fake.token = null;
  fake.statsBody = '<html>hello</html>';
  await assert.rejects(new StatsClient({ url }).fetchStats(), (e: StatsClientError) => e.kind === 'protocol' && !e.message.includes('\n'));
  fake.statsBody = JSON.stringify({ uptime_s: 1 });
  await assert.rejects(new StatsClient({ url }).fetchStats(), /unexpected stats .*frames_received must be a number/);
  await assert.rejects(new StatsClient({ url: `${url}/elsewhere` }).fetchStats(), /answered 404: no such endpoint/);

  const closed = await freeTcpPort();
  await assert.rejects(new StatsClient({ url: `http://127.0.0.1:${closed}` }).fetchStats(), (e: StatsClientError) => e.kind === 'unreachable' && /connection refused/.test(e.message));
});

test('live stream: snapshots, events, junk reported as a problem, and reconnection after a restart', async () => {
  const fake = new FakeStatsServer();
  const port = await fake.listen();
  // Closed here too, so a failed assertion below does not leave the test hanging.
  cleanups.push(() => fake.close().catch(() => undefined));
  const client = new StatsClient({ url: `http://127.0.0.1:${port}`, initialBackoffMs: 50, maxBackoffMs: 200 });
  cleanups.push(() => client.close());
  const states: ConnectionState[] = [];
  client.on('state', (s) => states.push(s));
  const first = waitFor<{ stats: ServerStats }>(client, 'stats', () => true);
  client.start();
  await first;
  assert.equal(client.state.status, 'connected');

  const ev = waitFor<ServerEvent>(client, 'event', (e) => e.type === 'ptt_start');
  const problem = waitFor<string>(client, 'problem', () => true);
  fake.send({ raw: 'event: ptt_start\ndata: {not json\n\n' });
  // A server older than rooms sends no room: the schema puts the one conference's name in.
  fake.send({ raw: 'event: ptt_start\ndata: {"type":"ptt_start","at":2000,"callsign":"W1ABC"}\n\n' });
  assert.match(await problem, /ptt_start: data is not JSON/);
  assert.deepEqual(await ev, { type: 'ptt_start', at: 2000, callsign: 'W1ABC', room: 'MAIN' });
  const remote = waitFor<ServerEvent>(client, 'event', (e) => e.type === 'ptt_start' && e.callsign === 'K2XYZ');
  fake.send({ type: 'ptt_start', at: 2100, callsign: 'K2XYZ', room: 'NET', server: 'hub-b' });
  assert.deepEqual(await remote, { type: 'ptt_start', at: 2100, callsign: 'K2XYZ', room: 'NET', server: 'hub-b' });

  // The server goes away: the client says so and keeps trying …
  const down = waitFor<ConnectionState>(client, 'state', (s) => s.status === 'unreachable');
  await fake.close();
  const d = await down;
  assert.ok(d.retryInMs !== null && d.retryInMs > 0);
  await waitFor<ConnectionState>(client, 'state', (s) => s.status === 'unreachable' && /connection refused/.test(s.message));
  // … and is back as soon as the server is.
  const again = new FakeStatsServer();
  await again.listen(port);
  cleanups.push(() => again.close());
  const back = waitFor<{ stats: ServerStats }>(client, 'stats', () => true);
  await back;
  assert.equal(client.state.status, 'connected');
  assert.ok(states.filter((s) => s.status === 'connected').length >= 2);
});

test('a wrong token on the stream is a clear state, retried slowly; a silent server counts as down', async () => {
  const fake = new FakeStatsServer();
  fake.token = 'right';
  const port = await fake.listen();
  cleanups.push(() => fake.close());
  const client = new StatsClient({ url: `http://127.0.0.1:${port}`, token: 'wrong', initialBackoffMs: 50, maxBackoffMs: 100 });
  cleanups.push(() => client.close());
  const s = waitFor<ConnectionState>(client, 'state', (x) => x.status === 'unauthorized');
  client.start();
  assert.match((await s).message, /refused the token \(401\)/);
  client.close();
  assert.equal(client.state.status, 'closed');

  fake.token = null;
  fake.silent = true;
  const hung = new StatsClient({ url: `http://127.0.0.1:${port}`, staleMs: 300, initialBackoffMs: 50 });
  cleanups.push(() => hung.close());
  const stale = waitFor<ConnectionState>(hung, 'state', (x) => x.status === 'unreachable');
  hung.start();
  assert.match((await stale).message, /no data from .* for 0 s|no data from/);
});

test('actions: success, refusals and an unreachable server are results, never exceptions', async () => {
  const fake = new FakeStatsServer();
  const port = await fake.listen();
  cleanups.push(() => fake.close());
  const url = `http://127.0.0.1:${port}`;
  const c = new StatsClient({ url, token: 't' });
  assert.deepEqual(await c.action('kick', 'W1ABC'), { ok: true, action: 'kick', callsign: 'W1ABC', message: 'kicked' });
  assert.equal(fake.lastAuth, 'Bearer t');

  fake.actionAnswer = { status: 403, body: JSON.stringify({ ok: false, action: 'kick', callsign: 'W1ABC', message: 'admin actions are disabled: start the server with --stats-token' }) };
  const r403 = await c.action('kick', 'W1ABC');
  assert.equal(r403.ok, false);
  assert.match(r403.message, /refused by the server \(403\): admin actions are disabled/);

  fake.actionAnswer = { status: 404, body: JSON.stringify({ ok: false, action: 'kick', callsign: 'N0CALL', message: 'no such station: N0CALL' }) };
  assert.deepEqual(await c.action('kick', 'N0CALL'), { ok: false, action: 'kick', callsign: 'N0CALL', message: 'no such station: N0CALL' });

  fake.token = 'other';
  const r401 = await new StatsClient({ url }).action('kick', 'W1ABC');
  assert.equal(r401.ok, false);
  assert.match(r401.message, /needs a token \(401\)/);

  const closed = await freeTcpPort();
  const down = await new StatsClient({ url: `http://127.0.0.1:${closed}` }).action('kick', 'W1ABC');
  assert.equal(down.ok, false);
  assert.match(down.message, /cannot reach .* connection refused/);
});

test('one client for the extension too: ban list checked, unban and announce as one-line results', async () => {
  const fake = new FakeStatsServer();
  const port = await fake.listen();
  cleanups.push(() => fake.close());
  const c = new StatsClient({ url: `http://127.0.0.1:${port}`, token: 't' });
  const bans = await c.bans();
  assert.ok(bans.ok, JSON.stringify(bans));
  assert.deepEqual(bans.bans.map((b) => b.callsign), ['K1BAD']);
  assert.deepEqual(await c.unban('K1BAD'), { ok: true, message: 'K1BAD unbanned' });
  assert.deepEqual(await c.announce('net at 8'), { ok: true, message: 'announced to 2 stations' });
  assert.deepEqual(JSON.parse(fake.lastBody), { text: 'net at 8' });
  assert.equal(fake.lastAuth, 'Bearer t');
  // The server's own reason for a refusal; a description where it gave none.
  assert.deepEqual(await c.unban('N0PE'), { ok: false, message: 'no such endpoint' });
  fake.bansAnswer = { status: 200, body: '{"bans":[{"callsign":42}]}' };
  const bad = await c.bans();
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.message, /^the server's ban list is malformed: /);
  fake.bansAnswer = { status: 200, body: '{"stations":[]}' };
  assert.deepEqual(await c.bans(), { ok: false, message: 'the server has no ban list (an older opv server?)' });
  fake.token = 'other';
  const refused = await c.announce('x');
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.message, /refused the token \(401\)/);
});
