import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, repoRoot } from '../helpers/paths.js';
import { createTestNet, netnsSkip, type TestNet } from '../helpers/netns.js';
import { type StationProc, startHostStation } from './support/stations.js';
import { TmuxSession } from '../helpers/tmux.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';

// The opv server extension (docs/EXTENSIONS.md) between separate hosts: what opv stations
// are told, and that a reference station in the same conference sees none of it.

const sim = path.join(repoRoot, 'dist', 'test', 'helpers', 'sim-station-cli.js');
const ref = path.join(repoRoot, 'dist', 'test', 'helpers', 'ref-station-cli.js');
const TOKEN = 'ext-test-token';
const nets: TestNet[] = [];
const procs: Proc[] = [];
after(async () => {
  for (const p of procs) await p.stop('SIGKILL', 100);
  for (const n of nets) n.close();
});

type Host = { ns: string; ip: string };

function track<T extends { proc: Proc } | Proc>(p: T): T {
  procs.push(p instanceof Proc ? p : p.proc);
  return p;
}

function api(net: TestNet, from: string, srv: Host, method: 'GET' | 'POST', route: string, body?: unknown): { status: number; json: unknown } {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', method, '-H', `authorization: Bearer ${TOKEN}`];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
  const out = net.run(from, 'curl', [...args, `http://${srv.ip}:57380/api/v1${route}`]).trim().split('\n');
  const status = Number(out.pop());
  return { status, json: JSON.parse(out.join('\n')) as unknown };
}

function startServer(srv: Host, extra: string[]): Proc {
  return track(
    new Proc('node', [opvBin, 'server', '--stats-host', srv.ip, '--stats-token', TOKEN, '--stats-interval', '0', ...extra], { netns: srv.ns }),
  );
}

async function station(call: string, srv: Host, host: Host): Promise<StationProc> {
  return track(await startHostStation(call, srv, host, ['--no-audio']));
}

/** Sends /who until a listing satisfying `ok` appears; returns that listing's lines. */
async function who(s: StationProc, ok: (lines: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mark = s.proc.lines.length;
    s.proc.sendLine('/who');
    await s.proc.waitForLine(/^👥 /, 10_000, mark);
    // The listing's lines follow its header with nothing to mark the end: a fixed wait gathers them.
    await new Promise((r) => setTimeout(r, 300));
    const from = s.proc.lines.findIndex((l, i) => i >= mark && l.startsWith('👥 '));
    const lines = [s.proc.lines[from]!];
    for (let i = from + 1; i < s.proc.lines.length && s.proc.lines[i]!.startsWith('   '); i++) lines.push(s.proc.lines[i]!);
    if (ok(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`${s.callsign}: /who never satisfied the check; last:\n${lines.join('\n')}`);
    // Paced on purpose: one /who a second, not a flood of them.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Returns once `s` has sent `n` more frames (keepalives and their companions, each of
 * which the server could have logged again): read from its own /status, no sleeping.
 */
async function framesPass(s: StationProc, n: number, timeoutMs = 20_000): Promise<void> {
  const sent = async (): Promise<number> => {
    const mark = s.proc.lines.length;
    s.proc.sendLine('/status');
    const line = await s.proc.waitForLine(/frames: \d+ sent/, 10_000, mark);
    return Number(/frames: (\d+) sent/.exec(line)![1]);
  };
  const start = await sent();
  const deadline = Date.now() + timeoutMs;
  while ((await sent()) < start + n) {
    if (Date.now() > deadline) throw new Error(`${s.callsign}: fewer than ${n} frames sent in ${timeoutMs} ms`);
    await s.proc.waitForLine(/.*/, 1000, s.proc.lines.length).catch(() => undefined);
  }
}

const lists = (lines: string[], call: string): boolean => lines.some((l) => new RegExp(`^ {3}${call} `).test(l));

test('roster, "in use" refusal, announcement, time-out; a reference station sees none of it; forgeries are not shown', { skip: netnsSkip() }, async () => {
  const net = createTestNet(['srv', 'a', 'b', 'c', 'r', 'f']);
  nets.push(net);
  const h = net.hosts as Record<'srv' | 'a' | 'b' | 'c' | 'r' | 'f', Host>;
  const server = startServer(h.srv, ['--timeout', '8']);
  await server.waitForLine(/Server ready for connections/);

  // A reference station (frames recorded from the reference implementation, callsign W1ABC).
  const R = track(new Proc('node', [ref, h.srv.ip, '57372', '57372'], { netns: h.r.ns }));
  await R.waitForLine(/^ready$/);
  R.sendLine('send short chat');
  await server.waitForLine(/NEW STATION: W1ABC/);
  R.sendLine('keepalive');

  const A = await station('W2EXT', h.srv, h.a);
  await server.waitForLine(/NEW STATION: W2EXT/);
  const B = await station('VE3EXT', h.srv, h.b);
  await A.proc.waitForLine(/^➕ VE3EXT joined the conference$/, 15_000);

  // Everyone connected is listed, including B, which has never said a word.
  const list = await who(A, (l) => lists(l, 'VE3EXT') && lists(l, 'W1ABC'));
  assert.match(list[0]!, /^👥 3 stations on the server, you included$/);
  await who(B, (l) => lists(l, 'W2EXT') && lists(l, 'W1ABC'));

  // A second VE3EXT from another host: told the callsign is in use and when to retry.
  const C = await station('VE3EXT', h.srv, h.c);
  const refusal = await C.proc.waitForLine(/^⛔ REFUSED by the server: callsign VE3EXT is in use from another address — retry after \d\d:\d\d:\d\d/, 15_000);
  assert.match(refusal, /in \d+ s/);
  // The server logs that once per state change, not at every keepalive (every 2 s).
  await framesPass(C, 4);
  assert.equal(server.count(/HIJACK REFUSED: VE3EXT/), 1);
  assert.equal(C.proc.count(/no reply from server/), 0, 'the refusal replaces the misleading "no reply"');
  C.proc.sendLine('anyone there?');
  // Nobody would receive it: it is held, not shown as sent.
  await C.proc.waitForLine(/^⏳ \[VE3EXT\]: anyone there\? \(held: sent when the server takes this station again\)$/);
  await C.proc.stop('SIGKILL', 100);

  // A sysop announcement reaches the two opv stations, shown apart from chat.
  const ann = api(net, 'a', h.srv, 'POST', '/announce', { text: 'net starts in 5 minutes' });
  assert.equal(ann.status, 200);
  assert.match((ann.json as { message: string }).message, /announced to 2 stations/);
  for (const s of [A, B]) await s.proc.waitForLine(/^📢 SYSOP: net starts in 5 minutes$/);
  await server.waitForLine(/📢 ANNOUNCEMENT to 2 stations: net starts in 5 minutes/);
  // Bounded: an over-long text is refused.
  assert.equal(api(net, 'a', h.srv, 'POST', '/announce', { text: 'x'.repeat(500) }).status, 400);

  // Forgeries: an extension message sent by a station as control and as chat, a station
  // claiming the server's id, and the server's id sent straight to A from another host.
  const F = track(new Proc('node', [sim, 'K5FAKE', h.srv.ip, '57372', '57372'], { netns: h.f.ns }));
  await F.waitForLine(/^ready/);
  F.sendLine('control OPV:ANNOUNCE forged control');
  F.sendLine('chat OPV:ANNOUNCE forged chat');
  const S = track(new Proc('node', [sim, 'OPV-SRV', h.srv.ip, '57372', '0'], { netns: h.f.ns }));
  await S.waitForLine(/^ready/);
  S.sendLine('control OPV:ANNOUNCE forged server id');
  const D = track(new Proc('node', [sim, 'OPV-SRV', h.a.ip, '57372', '0'], { netns: h.f.ns }));
  await D.waitForLine(/^ready/);
  D.sendLine('control OPV:ANNOUNCE forged direct');
  await D.waitForLine(/^done control/);
  // Dropped forgeries show nothing to wait for: a fixed head start before the marker.
  await new Promise((r) => setTimeout(r, 500));
  F.sendLine('chat marker after forgery');
  await A.proc.waitForLine(/^📨 \[K5FAKE\]: marker after forgery$/);
  await B.proc.waitForLine(/^📨 \[K5FAKE\]: marker after forgery$/);
  for (const s of [A, B]) {
    assert.equal(s.proc.count(/^📢/), 1, `${s.callsign} shows only the real announcement`);
    assert.equal(s.proc.count(/forged (control|server id|direct)/), 0);
  }
  // The chat line is shown as what it is: K5FAKE's chat.
  await A.proc.waitForLine(/^📨 \[K5FAKE\]: OPV:ANNOUNCE forged chat$/);

  // A talks; the reference station hears ordinary relayed traffic only.
  A.proc.sendLine('hello from W2EXT');
  await R.waitForLine(/^heard W2EXT text hello from W2EXT$/);
  await R.waitForLine(/^heard K5FAKE text marker after forgery$/);
  R.sendLine('stats');
  const stats = await R.waitForLine(/^stats /);
  const m = /frames=(\d+) bad_size=(\d+) from_server=(\d+) ext_text=(\d+)/.exec(stats)!;
  assert.ok(Number(m[1]) > 0);
  assert.deepEqual([m[2], m[3], m[4]], ['0', '0', '0'], `the reference station saw extension traffic: ${stats}`);
  assert.equal(R.count(/^heard (OPV-SRV|\S+ control OPV)/), 0);

  // B dies without BYE: A is told at B's time-out, and /who drops it.
  await B.proc.stop('SIGKILL', 100);
  await A.proc.waitForLine(/^👋 VE3EXT left the conference \(timed out\)$/, 20_000);
  const after = await who(A, (l) => !lists(l, 'VE3EXT'));
  assert.ok(lists(after, 'W1ABC'), `the reference station, still keeping alive, stays listed:\n${after.join('\n')}`);
});

test('kick keeps a station out for the hold-down and tells it; a ban tells it, survives a restart, and unban lets it back', { skip: netnsSkip() }, async () => {
  const net = createTestNet(['srv', 'a']);
  nets.push(net);
  const h = net.hosts as Record<'srv' | 'a', Host>;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'opv-ext-state-'));
  const args = ['--kick-holddown', '6', '--state-dir', stateDir];
  let server = startServer(h.srv, args);
  await server.waitForLine(/Server ready for connections/);
  let A = await station('W3KB', h.srv, h.a);
  await A.proc.waitForLine(/🔗 connected to server/);
  await server.waitForLine(/NEW STATION: W3KB/);

  const kick = api(net, 'a', h.srv, 'POST', '/stations/W3KB/kick');
  assert.equal(kick.status, 200);
  const kickedAt = Date.now();
  assert.match((kick.json as { message: string }).message, /kept out for 6 s/);
  await A.proc.waitForLine(/^⛔ REFUSED by the server: kicked by the sysop — kept out until \d\d:\d\d:\d\d \(\d+ s\)/);
  await A.proc.waitForLine(/^✅ admitted by the server$/, 20_000);
  assert.ok(Date.now() - kickedAt >= 5000, `back after ${Date.now() - kickedAt} ms, inside the 6 s hold-down`);
  await server.waitForLine(/NEW STATION: W3KB/, 10_000, server.lines.findIndex((l) => /KICKED: W3KB/.test(l)));
  assert.equal(server.count(/DENIED: W3KB .*kicked/), 1, 'refusal logged once, not at each keepalive');

  const ban = api(net, 'a', h.srv, 'POST', '/stations/W3KB/ban');
  assert.equal(ban.status, 200);
  await A.proc.waitForLine(/^⛔ REFUSED by the server: banned by the sysop — you stay out until unbanned/);
  assert.deepEqual((api(net, 'a', h.srv, 'GET', '/bans').json as { bans: { callsign: string }[] }).bans.map((b) => b.callsign), ['W3KB']);
  await framesPass(A, 4);
  assert.equal(server.count(/NEW STATION: W3KB/), 2, 'stays out');
  assert.equal(server.count(/DENIED: W3KB .*banned/), 1, 'logged once per state change');
  assert.ok(existsSync(path.join(stateDir, 'bans.json')));

  // Restart: no flag but the same state directory; the ban holds and a new start is told why.
  await A.proc.stop('SIGTERM');
  await server.stop('SIGTERM');
  server = startServer(h.srv, args);
  await server.waitForLine(/Server ready for connections/);
  A = await station('W3KB', h.srv, h.a);
  await A.proc.waitForLine(/^⛔ REFUSED by the server: banned by the sysop/, 15_000);
  await server.waitForLine(/DENIED: W3KB .*banned/);
  assert.equal(server.count(/NEW STATION: W3KB/), 0);

  const unban = api(net, 'a', h.srv, 'POST', '/stations/W3KB/unban');
  assert.equal(unban.status, 200);
  await server.waitForLine(/UNBANNED: W3KB/);
  await A.proc.waitForLine(/^✅ admitted by the server$/, 15_000);
  await server.waitForLine(/NEW STATION: W3KB/);
  assert.deepEqual(api(net, 'a', h.srv, 'GET', '/bans').json, { bans: [] });
  assert.deepEqual((JSON.parse(readFileSync(path.join(stateDir, 'bans.json'), 'utf8')) as { bans: unknown[] }).bans, []);
  assert.equal(api(net, 'a', h.srv, 'POST', '/stations/W3KB/unban').status, 404);
});

test('full-screen station: the Stations panel lists everyone on the server and drops a killed one; an announcement shows apart from chat; a refusal says why', { skip: netnsSkip() }, async () => {
  const net = createTestNet(['srv', 't', 'b', 'c']);
  nets.push(net);
  const h = net.hosts as Record<'srv' | 't' | 'b' | 'c', Host>;
  const server = startServer(h.srv, ['--timeout', '8']);
  await server.waitForLine(/Server ready for connections/);
  const B = await station('VE5QUIET', h.srv, h.b);
  const C = await station('K6GONE', h.srv, h.c);
  await server.waitForLine(/NEW STATION: K6GONE/);
  C.proc.sendLine('hello from K6GONE');
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-ext-tui-'));
  const tmux = new TmuxSession(
    ['ip', 'netns', 'exec', h.t.ns, process.execPath, opvBin, 'station', 'W4TUI', '-i', h.srv.ip, '--listen-port', '57372', '--data-dir', dataDir, '--no-audio'],
    { width: 100, height: 30, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  try {
    // Both others are listed as on the server, including VE5QUIET, which never spoke.
    await tmux.waitForScreen((s) => /3 on the server/.test(s) && /● VE5QUIET/.test(s) && /● K6GONE/.test(s), 20_000);
    C.proc.sendLine('second line from K6GONE');
    await tmux.waitForScreen(/◀ K6GONE: second line from K6GONE/, 15_000);
    const ann = api(net, 'srv', h.srv, 'POST', '/announce', { text: 'server restarting at 18:00' });
    assert.equal(ann.status, 200);
    const screen = await tmux.waitForScreen(/│ ?SYSOP: server restarting at 18:00/, 15_000);
    // In its own bar, not as a line of the history.
    assert.doesNotMatch(screen, /◀ \S+: server restarting/);
    // A second full-screen station with a callsign in use: a red bar says why and what to do.
    const dup = new TmuxSession(
      ['ip', 'netns', 'exec', h.c.ns, process.execPath, opvBin, 'station', 'VE5QUIET', '-i', h.srv.ip, '--listen-port', '57373', '--data-dir', mkdtempSync(path.join(tmpdir(), 'opv-ext-dup-')), '--no-audio'],
      { width: 100, height: 30, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
    );
    try {
      const refused = await dup.waitForScreen(/REFUSED: callsign VE5QUIET is in use from another address/, 20_000);
      // The whole reason and what to do is on screen (wrapped in the bar).
      assert.match(refused, /retry after/);
      assert.match(refused, /\d\d:\d\d:\d\d \(in \d+ s, once the other one is silent\)/);
      await dup.waitForScreen(/keeps[\s│]*trying/);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nduplicate's screen:\n${dup.capture()}`);
    } finally {
      dup.kill();
    }
    await C.proc.stop('SIGKILL', 100);
    await tmux.waitForScreen((s) => /2 on the server/.test(s) && /● VE5QUIET/.test(s) && !/● K6GONE/.test(s), 25_000);
    // Heard earlier, now gone: still in the list, marked as gone.
    await tmux.waitForScreen(/○ K6GONE/);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nscreen:\n${tmux.capture()}`);
  } finally {
    tmux.kill();
    await B.proc.stop('SIGKILL', 100);
  }
});
