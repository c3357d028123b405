import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, repoRoot } from '../helpers/paths.js';
import { createTestNet, netnsSkip, type TestNet } from '../helpers/netns.js';
import { type StationProc, startHostStation } from './support/stations.js';

// Station authentication between separate hosts with real opv stations: a protected
// callsign without its key is refused and relayed nothing; with the key it is in; a wrong
// key fails with a reason; a reference station and an unprotected opv station in the same
// conference see exactly what they saw before.

const ref = path.join(repoRoot, 'dist', 'test', 'helpers', 'ref-station-cli.js');
const nets: TestNet[] = [];
const procs: Proc[] = [];
after(async () => {
  for (const p of procs) await p.stop('SIGKILL', 100);
  for (const n of nets) n.close();
});

type Host = { ns: string; ip: string };

async function station(call: string, srv: Host, host: Host, extra: string[] = []): Promise<StationProc> {
  const s = await startHostStation(call, srv, host, ['--no-audio', ...extra]);
  procs.push(s.proc);
  return s;
}

test('protected callsign on namespace hosts: no key refused, the key admits, a wrong key fails; reference and open stations unchanged', { skip: netnsSkip() }, async () => {
  const net = createTestNet(['srv', 'a', 'b', 't', 'r']);
  nets.push(net);
  const h = net.hosts as Record<'srv' | 'a' | 'b' | 't' | 'r', Host>;
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-auth-ns-'));
  const keyFile = path.join(dir, 'W2OWN.pem');
  const wrongFile = path.join(dir, 'wrong.pem');
  const line = execFileSync(opvBin, ['keygen', 'W2OWN', '--out', keyFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  execFileSync(opvBin, ['keygen', 'W2OWN', '--out', wrongFile], { stdio: 'pipe' });
  const keys = path.join(dir, 'authorized_keys');
  writeFileSync(keys, line + '\n');

  const server = new Proc('node', [opvBin, 'server', '--no-stats', '--stats-interval', '0', '--authorized-keys', keys], { netns: h.srv.ns });
  procs.push(server);
  await server.waitForLine(/Server ready for connections/);

  // A reference station (recorded frames, W1ABC) and an unprotected opv station.
  const R = new Proc('node', [ref, h.srv.ip, '57372', '57372'], { netns: h.r.ns });
  procs.push(R);
  await R.waitForLine(/^ready$/);
  R.sendLine('send short chat');
  await server.waitForLine(/NEW STATION: W1ABC/);
  const B = await station('VE3OPEN', h.srv, h.b);
  await server.waitForLine(/NEW STATION: VE3OPEN/);
  await B.proc.waitForLine(/🔗 connected to server/);

  // The thief: no key. Told why, and nothing it says reaches anyone.
  const T = await station('W2OWN', h.srv, h.t);
  await T.proc.waitForLine(/^⛔ REFUSED by the server: W2OWN is protected on this server: only a station with its key may use it/, 15_000);
  T.proc.sendLine('forged chat from the thief');
  await T.proc.waitForLine(/^⏳ \[W2OWN\]: forged chat from the thief \(held: sent when the server takes this station again\)$/);
  await T.proc.stop('SIGTERM');

  // The owner, with the key: authenticated at once, then heard by everyone.
  const A = await station('W2OWN', h.srv, h.a, ['--key', keyFile]);
  await A.proc.waitForLine(/^🔐 authenticated as W2OWN$/, 15_000);
  await server.waitForLine(/🔐 AUTHENTICATED: W2OWN at 10\.\d+\.\d+\.\d+:57372/);
  assert.equal(A.proc.count(/REFUSED/), 0, 'no refusal shown while authenticating');
  // Its keepalives now carry the session tag; the server still echoes them.
  await A.proc.waitForLine(/🔗 connected to server/);
  A.proc.sendLine('hello from the real W2OWN');
  await B.proc.waitForLine(/^📨 \[W2OWN\]: hello from the real W2OWN$/);
  await R.waitForLine(/^heard W2OWN text hello from the real W2OWN$/);
  // The roster marks the station that proved its callsign (VERIFIED after its JOIN), not the others.
  const mark = B.proc.lines.length;
  B.proc.sendLine('/who');
  await B.proc.waitForLine(/^ {3}W2OWN +🔐 verified, connected /, 10_000, mark);
  await B.proc.waitForLine(/^ {3}W1ABC +connected /, 10_000, mark);
  B.proc.sendLine('hello W2OWN from VE3OPEN');
  await A.proc.waitForLine(/^📨 \[VE3OPEN\]: hello W2OWN from VE3OPEN$/);
  assert.equal(B.proc.count(/forged chat from the thief/), 0);
  assert.equal(R.count(/forged chat/), 0);

  // A wrong key, from another host: fails with the reason, and stays out.
  const W = await station('W2OWN', h.srv, h.t, ['--key', wrongFile]);
  await W.proc.waitForLine(/^⛔ authentication failed: bad_signature \(/, 15_000);
  await W.proc.waitForLine(/^⛔ REFUSED by the server: W2OWN is protected/, 15_000);
  W.proc.sendLine('wrong key chat');
  // Held by the station (it knows it is refused), so never on the air: no sleep needed to be sure.
  await W.proc.waitForLine(/^⏳ \[W2OWN\]: wrong key chat \(held/);
  assert.equal(B.proc.count(/wrong key chat/), 0);

  // The server restarts and forgets every session: the owner is told it needs a key, asks again, and is back.
  await W.proc.stop('SIGTERM');
  await server.stop('SIGTERM');
  const marks = A.proc.lines.length;
  const again = new Proc('node', [opvBin, 'server', '--no-stats', '--stats-interval', '0', '--authorized-keys', keys], { netns: h.srv.ns });
  procs.push(again);
  await again.waitForLine(/Server ready for connections/);
  const up = Date.now();
  // Told "needs a key" alongside its next keepalive, it asks at once: in within 3 s (48-70 s before).
  await again.waitForLine(/🔐 AUTHENTICATED: W2OWN/, 10_000);
  await A.proc.waitForLine(/^🔐 authenticated as W2OWN$/, 10_000, marks);
  assert.ok(Date.now() - up < 3000, `authenticated again ${Date.now() - up} ms after the restart`);
  A.proc.sendLine('back after the restart');
  await B.proc.waitForLine(/^📨 \[W2OWN\]: back after the restart$/, 15_000);

  // The reference station saw ordinary relayed traffic only: no server frames, no extension or auth text.
  R.sendLine('stats');
  const stats = await R.waitForLine(/^stats /);
  const m = /frames=(\d+) bad_size=(\d+) from_server=(\d+) ext_text=(\d+)/.exec(stats)!;
  assert.deepEqual([m[2], m[3], m[4]], ['0', '0', '0'], stats);
  assert.equal(R.count(/^heard \S+ control OPV/), 0);
});
