/**
 * Nothing typed is silently lost: chat typed while the server restarts, or while the
 * station's network is cut, is held and arrives afterwards, marked as delayed; the
 * link state says what is going on, promptly.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import { createTestNet, netnsSkip, type TestNet } from '../helpers/netns.js';
import { FAST_KEEPALIVE, startServer, startStation, startHostStation, stationOnReferenceStandIn } from './support/stations.js';

// The namespaces go when the file ends, after every test's own processes are stopped
// (a test's t.after hooks run in the order they were added, so one there would run first).
let net: TestNet | null = null;
after(() => net?.close());

test('chat typed during a server restart arrives afterwards, marked delayed; the station re-registers at once', async (t) => {
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { settings: FAST_KEEPALIVE, t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected to server \(round trip \d+ ms\)/);
  await b.proc.waitForLine(/🔗 connected to server/);
  a.proc.sendLine('before the restart');
  await b.proc.waitForLine(/^📨 \[W1ABC\]: before the restart$/);
  // The delivery probe follows the line one 40 ms slot later; let it be answered (a line
  // whose probe the dead server never saw is, rightly, sent again). Nothing shows that
  // answer, so this wait is fixed.
  await new Promise((r) => setTimeout(r, 500));

  await srv.proc.stop('SIGKILL');
  const down = Date.now();
  // Typed before the station can know: sent into the void, then held when no echo confirms it.
  a.proc.sendLine('typed as the server died');
  const notice = await a.proc.waitForLine(/📭 no reply from server for \d+ s: chat is held until it answers/, 10_000);
  assert.ok(Date.now() - down < 8000, 'a silent server is noticed within a few seconds');
  assert.doesNotMatch(notice, /still go out/);
  a.proc.sendLine('typed while it was down');
  await a.proc.waitForLine(/^⏳ \[W1ABC\]: typed while it was down \(held/);

  const again = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(srv.port), '--stats-port', String(srv.statsPort)]);
  t.after(() => again.stop('SIGKILL'));
  await again.waitForLine(/Server ready for connections/);
  const up = Date.now();
  // Fast keepalives while unanswered: registered again within about a second, not at the next keepalive.
  await again.waitForLine(/NEW STATION: W1ABC/, 5000);
  await again.waitForLine(/NEW STATION: VE3XYZ/, 5000);
  assert.ok(Date.now() - up < 3000, `re-registered ${Date.now() - up} ms after the restart`);
  await b.proc.waitForLine(/^📨 \[W1ABC\]: typed as the server died$/, 15_000);
  await b.proc.waitForLine(/^📨 \[W1ABC\]: typed while it was down$/, 15_000);
  await a.proc.waitForLine(/^📤 \[W1ABC\]: typed while it was down \(delayed\)$/);
  a.proc.sendLine('/history 5');
  await a.proc.waitForLine(/➡ W1ABC: typed while it was down \(delayed\)$/);
  assert.equal(b.proc.count(/typed while it was down/), 1, 'sent once');
  assert.equal(b.proc.count(/before the restart/), 1, 'a line the server confirmed is not sent again');
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);
});

test('chat typed during a link cut (namespace hosts, interface down) arrives when it comes back', { skip: netnsSkip() }, async (t) => {
  net = createTestNet(['srv', 'a', 'b']);
  const h = net.hosts as Record<'srv' | 'a' | 'b', { ns: string; ip: string }>;
  const server = new Proc('node', [opvBin, 'server', '--no-stats'], { netns: h.srv.ns });
  t.after(() => server.stop('SIGKILL'));
  await server.waitForLine(/Server ready for connections/);
  const a = await startHostStation('W1ABC', h.srv, h.a, ['--no-audio']);
  const b = await startHostStation('VE3XYZ', h.srv, h.b, ['--no-audio']);
  t.after(() => a.proc.stop('SIGKILL'));
  t.after(() => b.proc.stop('SIGKILL'));
  await a.proc.waitForLine(/🔗 connected to server/);
  await b.proc.waitForLine(/🔗 connected to server/);

  net.run('a', 'ip', ['link', 'set', 'eth0', 'down']);
  await a.proc.waitForLine(/❌ server unreachable: network unreachable|📭 no reply from server for/, 10_000);
  a.proc.sendLine('typed during the cut');
  await a.proc.waitForLine(/^⏳ \[W1ABC\]: typed during the cut \(held/);
  net.run('a', 'ip', ['link', 'set', 'eth0', 'up']);
  await b.proc.waitForLine(/^📨 \[VE3XYZ\]|^📨 \[W1ABC\]: typed during the cut$/, 20_000);
  await a.proc.waitForLine(/^📤 \[W1ABC\]: typed during the cut \(delayed\)$/);
  await a.proc.waitForLine(/🔗 connected to server/, 5000, a.proc.lines.findIndex((l) => l.includes('typed during the cut')));
});

test('a server that relays but never echoes is shown as a reference server, and chat still goes out', async (t) => {
  // Stands in for a reference server with one other station on it: relays, never echoes.
  const { station: a, ref } = await stationOnReferenceStandIn('W1ABC', 'K5XYZ', ['--no-audio'], { settings: FAST_KEEPALIVE, t });
  t.after(() => ref.close());
  ref.chat('CQ via the reference');
  await a.proc.waitForLine(/^📨 \[K5XYZ\]: CQ via the reference$/);
  await a.proc.waitForLine(/🔗 reference server \(no keepalive echo\)/, 15_000);
  assert.equal(a.proc.count(/no reply/), 0);
  a.proc.sendLine('answer to the reference');
  await ref.until(() => ref.texts().includes('answer to the reference'), 5000, 'the chat line');
  assert.equal(a.proc.count(/held/), 0, 'never held: a reference server cannot confirm, so nothing is known to be down');
});

test('a server refusing the station (hijack hold-down): chat is held, and sent once the server takes the station', async (t) => {
  const srv = await startServer(['--hijack-holddown', '30'], t);
  const holder = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await holder.proc.waitForLine(/🔗 connected/);
  await b.proc.waitForLine(/🔗 connected/);
  // A second W1ABC on another port: the server refuses it while the first is alive.
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  // An opv server says why (the extension); "no reply" would only mislead.
  await a.proc.waitForLine(/⛔ REFUSED by the server: callsign W1ABC is in use/, 15_000);
  a.proc.sendLine('typed while refused');
  await a.proc.waitForLine(/^⏳ \[W1ABC\]: typed while refused \(held/);
  assert.equal(b.proc.count(/typed while refused/), 0);
  // The holder leaves: the server takes the second station, which sends the line again.
  holder.proc.sendLine('quit');
  assert.equal(await holder.proc.wait(), 0);
  await a.proc.waitForLine(/🔗 connected to server/, 10_000);
  await b.proc.waitForLine(/^📨 \[W1ABC\]: typed while refused$/, 10_000);
  await a.proc.waitForLine(/^📤 \[W1ABC\]: typed while refused \(delayed\)$/);
  assert.equal(b.proc.count(/typed while refused/), 1);
});
