import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import type { SimStation } from '../helpers/sim-station.js';
import { boundSim, startServer, type RunningServer } from './support/stations.js';
import { encodeCallsign, frameMessage, HEADER_SIZE, MessageBuilder } from '../../src/protocol/index.js';
import type { AdminActionResult, ServerStats } from '../../src/contract/stats.js';
import { eventually } from '../helpers/eventually.js';

const TOKEN = 'club-secret';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** A server that asks for the stats token, as a club's would. */
const tokenServer = (t: TestContext, extra: string[]): Promise<RunningServer> => startServer(['--stats-token', TOKEN, ...extra], t);
const station = (t: TestContext, call: string, port: number): Promise<SimStation> => boundSim(call, port, t);

/** One HTTP request with the path sent exactly as given (no URL normalisation). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...AUTH, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function stats(statsPort: number): Promise<ServerStats> {
  return (await (await fetch(`http://127.0.0.1:${statsPort}/api/v1/stats`, { headers: AUTH })).json()) as ServerStats;
}

async function metric(statsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`, { headers: AUTH })).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

function until(what: string, pred: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  return eventually(pred, what, timeoutMs, 100);
}

test('corrupted messages from a registered station count as decode errors everywhere, and the admin warns', async (t) => {
  const { proc, port, statsPort } = await tokenServer(t, ['--stats-interval', '1']);
  const a = await station(t, 'W1ABC', port);
  const b = await station(t, 'VE3XYZ', port);
  b.chat('listening');
  a.chat('hello');
  await proc.waitForLine(/NEW STATION: W1ABC/);
  assert.equal((await stats(statsPort)).decode_errors, 0);
  const builder = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 40000, text: 40001, control: 40002 }, initialIdentification: 99 });
  const CORRUPTED = 30;
  for (let i = 0; i < CORRUPTED; i++) {
    const f = Buffer.from(frameMessage(encodeCallsign('W1ABC'), builder.text(`line ${i} of a noisy link`))[0]!);
    f[HEADER_SIZE + 40] = f[HEADER_SIZE + 40]! ^ 0x24; // a flipped bit pair in the text: the UDP checksum fails
    a.sendRaw(f);
    // Paced on purpose: a noisy link, not a burst the socket buffers could drop.
    await new Promise((r) => setTimeout(r, 5));
  }
  a.chat('still here');
  await b.until(() => b.texts('W1ABC').includes('still here'), 10_000, 'the clean line after the noise');
  const s = await stats(statsPort);
  assert.ok(s.decode_errors >= CORRUPTED, `stats JSON decode_errors ${s.decode_errors}`);
  assert.equal(s.stations.some((x) => x.callsign === 'W1ABC'), true, 'the station stays registered');
  assert.ok((await metric(statsPort, 'opv_decode_errors_total')) >= CORRUPTED);
  const line = await proc.waitForLine(/Decode errors: ([3-9]\d|\d{3,})$/, 10_000);
  assert.ok(Number(/(\d+)$/.exec(line)![1]) >= CORRUPTED);
  // The sysop's health check sees them: 30 broken messages among ~35 frames is far over 5 %.
  const admin = new Proc(opvBin, ['admin', '--once', '--url', `http://127.0.0.1:${statsPort}`, '--token', TOKEN]);
  assert.equal(await admin.wait(), 0, admin.output);
  assert.match(admin.output, /WARNING: High decode error rate/);
});

test('the stats channel refuses hostile callsigns, escapes, bodies, headers, routes and methods', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/opv-acl-`);
  const acl = `${dir}/acl`;
  writeFileSync(acl, '# club list\ndeny N0CALL'); // no final newline, as an editor may leave it
  const { proc, port, statsPort } = await tokenServer(t, ['--acl-file', acl]);
  const before = readFileSync(acl, 'utf8');
  for (const call of ['W1ABC%0Aallow%20EVIL', 'bad%20call', 'W1ABC%0D%0Adeny%20X', '---', '%2F', 'W1ABC%00', 'AAAAAAAAAAAAAAAAAAAAAAAAA']) {
    for (const action of ['ban', 'kick']) {
      const r = await raw(statsPort, 'POST', `/api/v1/stations/${call}/${action}`);
      assert.equal(r.status, 400, `${action} ${call}: ${r.body}`);
      const body = JSON.parse(r.body) as AdminActionResult;
      assert.equal(body.ok, false);
      assert.ok(body.message.length > 0, 'a reason');
    }
  }
  assert.equal(readFileSync(acl, 'utf8'), before, 'the access list file is unchanged');
  const badEscape = await raw(statsPort, 'POST', '/api/v1/stations/%ZZ/ban');
  assert.equal(badEscape.status, 400);
  assert.match(badEscape.body, /%-escape/);
  assert.equal((await raw(statsPort, 'POST', '/api/v1/stations/W1%/kick')).status, 400);
  assert.equal((await raw(statsPort, 'GET', '/api/v1/nothing')).status, 404);
  assert.equal((await raw(statsPort, 'GET', '/api/v1/stats/%ZZ')).status, 404);
  const wrong = await raw(statsPort, 'GET', '/api/v1/stations/W1ABC/ban');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, 'POST');
  assert.equal((await raw(statsPort, 'DELETE', '/api/v1/stats')).status, 405);
  assert.equal((await raw(statsPort, 'POST', '/api/v1/stations/W1ABC/ban', { 'content-type': 'text/plain' }, 'x'.repeat(5000))).status, 413);
  assert.equal((await raw(statsPort, 'GET', '/api/v1/stats', { 'x-junk': 'y'.repeat(10_000) })).status, 431);
  // A body without a declared length (chunked) is bounded as it streams.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: statsPort, method: 'POST', path: '/api/v1/stations/W1ABC/kick', headers: AUTH }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('z'.repeat(1000));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.equal(readFileSync(acl, 'utf8'), before);
  // The server is unharmed, and a real ban still works (kept in the state directory's
  // ban list, not in the hand-edited access list).
  const ok = await raw(statsPort, 'POST', '/api/v1/stations/w1bad/ban');
  assert.equal(ok.status, 200, ok.body);
  assert.equal(readFileSync(acl, 'utf8'), before);
  proc.child.kill('SIGHUP');
  await proc.waitForLine(/Access lists reloaded: 0 allowed, 1 denied/);
  const s = await station(t, 'W1BAD', port);
  s.chat('let me in');
  await proc.waitForLine(/DENIED: W1BAD at .* \(banned\)/);
  assert.match((await raw(statsPort, 'GET', '/api/v1/bans')).body, /"callsign":"W1BAD"/);
  // 500 as a word of its own: a timestamp's milliseconds (…57.500+00:00) or a port the
  // kernel chose (45003) is not an internal error.
  assert.equal(proc.count(/(^|[^\d.:])500(\D|$)|Error/), 0, proc.output);
});

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** An event stream that sends its request and never reads a byte. */
function stalledClient(port: number): net.Socket {
  const s = net.connect(port, '127.0.0.1', () => {
    s.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    s.pause();
  });
  s.on('error', () => undefined);
  return s;
}

/** An event stream that reads; resolves with its status once the headers arrive. */
function readingClient(port: number): { status: Promise<number>; bytes: () => number; close: () => void } {
  let n = 0;
  let req: http.ClientRequest;
  const status = new Promise<number>((resolve) => {
    req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', headers: AUTH, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('error', () => undefined);
    });
    req.on('error', () => resolve(0));
  });
  return { status, bytes: () => n, close: () => req.destroy() };
}

test('hundreds of event streams, some never read, do not cost the relay a frame', async (t) => {
  const MAX_CLIENTS = 64;
  const { proc, port, statsPort } = await tokenServer(t, ['--max-event-clients', String(MAX_CLIENTS), '--stats-per-source', '1000', '--max-stations', '1000', '--rate', '1000', '--burst', '1000']);
  const pid = proc.child.pid!;
  // 500 registered callsigns make each second's stats event ~130 kB, so a client that does
  // not read falls behind fast. They share a few sockets, so fan-out to them stays cheap.
  const crowd: SimStation[] = [];
  for (let k = 0; k < 5; k++) crowd.push(await station(t, `CRWD${k}`, port));
  const builder = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 40000, text: 40001, control: 40002 }, initialIdentification: 1 });
  const talker = await station(t, 'W1ABC', port);
  const chatter = await station(t, 'VE3XYZ', port);
  const ears = [await station(t, 'K5EAR', port), await station(t, 'G4EAR', port)];
  // A loss must be the relay's, not this busy test process's.
  for (const e of ears) {
    try {
      e.socket.setRecvBufferSize(4 * 1024 * 1024);
    } catch {
      /* capped by net.core.rmem_max */
    }
  }
  // Registration is paced and repeated for any datagram lost in the burst (a loaded machine).
  const crowdCalls = Array.from({ length: 500 }, (_, i) => `C${i}X`);
  await until('504 stations registered', async () => {
    const known = new Set((await stats(statsPort)).stations.map((x) => x.callsign));
    if (known.size === 504) return true;
    for (const [i, call] of crowdCalls.entries()) {
      if (known.has(call)) continue;
      for (const f of frameMessage(encodeCallsign(call), builder.text('here'))) crowd[i % 5]!.sendRaw(f);
      // Paced on purpose, as the comment above says.
      if (i % 25 === 24) await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of [talker, chatter, ...ears]) if (!known.has(s.callsign)) s.chat('joining');
    // Fixed on purpose: give the server time to take what was sent before it is sent again.
    await new Promise((r) => setTimeout(r, 500));
    return false;
  }, 60_000);
  const rss0 = rssMiB(pid);

  // The cap: 40 stalled and 24 reading streams fill it; 200 more are all refused.
  const stalled = Array.from({ length: 40 }, () => stalledClient(statsPort));
  t.after(() => stalled.forEach((s) => s.destroy()));
  await until('40 stalled streams accepted', async () => (await metric(statsPort, 'opv_stats_event_clients')) === 40);
  const readers = Array.from({ length: MAX_CLIENTS - 40 }, () => readingClient(statsPort));
  t.after(() => readers.forEach((r) => r.close()));
  assert.deepEqual(new Set(await Promise.all(readers.map((r) => r.status))), new Set([200]));
  const extraStalled = Array.from({ length: 100 }, () => stalledClient(statsPort));
  t.after(() => extraStalled.forEach((s) => s.destroy()));
  const refused = Array.from({ length: 100 }, () => readingClient(statsPort));
  t.after(() => refused.forEach((r) => r.close()));
  assert.deepEqual(new Set(await Promise.all(refused.map((r) => r.status))), new Set([503]));
  await until('200 refused', async () => (await metric(statsPort, 'opv_stats_event_clients_refused_total')) >= 200);
  assert.ok((await metric(statsPort, 'opv_stats_event_clients')) <= MAX_CLIENTS);

  // Meanwhile, stations talk: 10 s of voice and a chat line every 100 ms.
  const VOICE = 250;
  const LINES = 80;
  const chat = (async () => {
    for (let i = 0; i < LINES; i++) {
      chatter.chat(`line ${i}`);
      // Paced on purpose: a line every 100 ms.
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const rssSeries: number[] = [];
  const sampler = setInterval(() => rssSeries.push(rssMiB(pid)), 1000);
  sampler.unref();
  await Promise.all([talker.talk(VOICE, 40), chat]);
  const lines = (ear: SimStation): string[] => ear.texts('VE3XYZ').filter((x) => x.startsWith('line '));
  for (const ear of ears) {
    const voice = (): number => ear.heard.filter((h) => h.from === 'W1ABC' && h.message.kind === 'voice').length;
    try {
      await ear.until(() => voice() === VOICE && lines(ear).length === LINES && ear.controls('W1ABC').includes('PTT_STOP'), 10_000, 'every frame');
    } catch (e) {
      const s = await stats(statsPort);
      const w = s.stations.find((x) => x.callsign === 'W1ABC');
      throw new Error(`${ear.callsign} heard ${voice()}/${VOICE} voice, ${lines(ear).length}/${LINES} lines, controls ${ear.controls('W1ABC').join(',')}; server: W1ABC ${JSON.stringify(w)}, received ${s.frames_received}, errors ${s.decode_errors}, raw frames at ear ${ear.rawFrames.length}`, { cause: e });
    }
    assert.deepEqual(lines(ear), Array.from({ length: LINES }, (_, i) => `line ${i}`), 'every line, in order');
  }

  // The streams that never read are dropped; the readers kept up and are still served.
  await until('the 40 stalled streams dropped', async () => (await metric(statsPort, 'opv_stats_event_clients_dropped_total')) >= 40, 60_000);
  clearInterval(sampler);
  assert.equal(await metric(statsPort, 'opv_stats_event_clients'), MAX_CLIENTS - 40);
  const got = readers.map((r) => r.bytes());
  await eventually(() => readers.every((r, i) => r.bytes() > got[i]!), 'readers still receive events', 1500, 100);
  const late = readingClient(statsPort);
  t.after(() => late.close());
  assert.equal(await late.status, 200, 'a freed place can be taken');
  const rssMax = Math.max(rss0, ...rssSeries, rssMiB(pid));
  assert.ok(rssMax - rss0 < 120, `server RSS ${rss0.toFixed(0)} → max ${rssMax.toFixed(0)} MiB`);
  await proc.waitForLine(/dropped \d+ event client\(s\) that stopped reading/);
  process.stderr.write(`event flood: RSS ${rss0.toFixed(0)} → ${rssSeries.map((x) => x.toFixed(0)).join('→')} MiB\n`);
});

test('a KEEPALIVE goes back to its sender only; forwarding the rest comes first and is unchanged', async (t) => {
  const { port, statsPort } = await tokenServer(t, []);
  const a = await station(t, 'W1ABC', port);
  const b = await station(t, 'VE3XYZ', port);
  b.chat('listening');
  a.chat('hello');
  await b.until(() => b.texts('W1ABC').includes('hello'), 10_000, 'hello');
  const builder = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 40000, text: 40001, control: 40002 }, initialIdentification: 500 });
  const id = encodeCallsign('W1ABC');
  const ka = Buffer.from(frameMessage(id, builder.control('KEEPALIVE:1764089000.25'))[0]!);
  const aBefore = a.rawFrames.length;
  a.sendRaw(ka);
  await a.until(() => a.rawFrames.length > aBefore, 10_000, 'the echo');
  assert.ok(a.rawFrames.slice(aBefore).some((f) => f.equals(ka)), 'echoed byte for byte');
  // A keepalive whose text is corrupted is not a keepalive: forwarded like any frame, counted.
  const broken = Buffer.from(frameMessage(id, builder.control('KEEPALIVE:1764089001.25'))[0]!);
  broken[HEADER_SIZE + 45] = broken[HEADER_SIZE + 45]! ^ 0x01;
  a.sendRaw(broken);
  a.chat('after the keepalives');
  await b.until(() => b.texts('W1ABC').includes('after the keepalives'), 10_000, 'the line after');
  assert.equal(b.rawFrames.some((f) => f.equals(ka)), false, 'the good keepalive never reached another station');
  assert.equal(b.rawFrames.some((f) => f.equals(broken)), true, 'the broken one was relayed unchanged');
  assert.equal(b.controls('W1ABC').some((c) => c.startsWith('KEEPALIVE')), false);
  const s = await stats(statsPort);
  assert.equal(s.decode_errors, 1);
});
