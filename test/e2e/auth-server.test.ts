import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPrivateKey } from '../../src/auth/crypto.js';
import type { ServerStats } from '../../src/contract/stats.js';
import { opvBin } from '../helpers/paths.js';
import type { SimStation } from '../helpers/sim-station.js';
import { AuthClient } from '../helpers/auth-client.js';
import { boundSim, startServer } from './support/stations.js';

// Station authentication (docs/EXTENSIONS.md, "Authentication") against a real server
// process over real UDP: the station side is driven at protocol level so that it can
// misbehave (no key, wrong key, replays, answers meant for another server, a new port).

const dir = mkdtempSync(path.join(tmpdir(), 'opv-auth-'));

function keygen(call: string, file: string): string {
  return execFileSync(opvBin, ['keygen', call, '--out', file, '--comment', `test-${call}`], { encoding: 'utf8' }).trim();
}

const sim = (t: TestContext, call: string, port: number): Promise<SimStation> => boundSim(call, port, t);

async function stats(statsPort: number): Promise<ServerStats> {
  return (await (await fetch(`http://127.0.0.1:${statsPort}/api/v1/stats`)).json()) as ServerStats;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('opv keygen writes a 0600 key, prints its authorized-keys line, and will not overwrite', () => {
  const file = path.join(dir, 'k.pem');
  const line = keygen('w1abc/p', file);
  assert.match(line, /^W1ABC\/P ed25519 [A-Za-z0-9+/]{43}= test-w1abc\/p$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(loadPrivateKey(readFileSync(file, 'utf8')).asymmetricKeyType, 'ed25519');
  assert.throws(() => execFileSync(opvBin, ['keygen', 'W1ABC', '--out', file], { stdio: 'pipe' }), /already exists \(use --force/);
  const again = execFileSync(opvBin, ['keygen', 'W1ABC', '--out', file, '--force'], { encoding: 'utf8' });
  assert.notEqual(again.split(' ')[2], line.split(' ')[2], 'a new key');
  // The default place: the station's config directory, the callsign made path-safe.
  const home = mkdtempSync(path.join(tmpdir(), 'opv-auth-home-'));
  execFileSync(opvBin, ['keygen', 'VE3/W1ABC'], { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '' }, stdio: 'pipe' });
  assert.equal(statSync(path.join(home, '.config', 'opv', 'keys', 'VE3_W1ABC.pem')).mode & 0o777, 0o600);
});

test('a bad authorized-keys file is one line naming file:line', () => {
  const file = path.join(dir, 'bad_keys');
  writeFileSync(file, '# comment\nW1ABC ed25519 AAAA\n');
  let err = '';
  try {
    execFileSync(opvBin, ['server', '-H', '127.0.0.1', '-p', '40999', '--no-stats', '--authorized-keys', file], { stdio: 'pipe', timeout: 10_000 });
  } catch (e) {
    err = String((e as { stderr: Buffer }).stderr);
  }
  assert.match(err, new RegExp(`^opv: ${file.replace(/[/.]/g, '\\$&')}:2: the public key must be 32 bytes in base64 \\(got 3\\)\\n$`));
});

test('protected callsign: refused without the key, joins with it, every bad answer fails with a reason; key edits apply live; NAT rebinding', async (t) => {
  const keyFile = path.join(dir, 'w1abc.pem');
  const wrongFile = path.join(dir, 'wrong.pem');
  const keys = path.join(dir, 'authorized_keys');
  const w1line = keygen('W1ABC', keyFile);
  writeFileSync(keys, `# protected callsigns\n${w1line}\n`);
  keygen('W1ABC', wrongFile);
  const key = loadPrivateKey(readFileSync(keyFile, 'utf8'));
  const wrong = loadPrivateKey(readFileSync(wrongFile, 'utf8'));
  const srv = await startServer(['--authorized-keys', keys], t);
  await srv.proc.waitForLine(/Authorized keys loaded: 1 key for 1 callsign/);

  // An ordinary, unprotected listener.
  const L = await sim(t, 'K5LIS', srv.port);
  L.control('KEEPALIVE:1');
  await srv.proc.waitForLine(/NEW STATION: K5LIS/);

  // No key: refused with a reason, and nothing it sends reaches anyone.
  const thief = await sim(t, 'W1ABC', srv.port);
  thief.control('OPV-EXT:1');
  await thief.until(() => thief.controls('OPV-SRV').includes('OPV:REFUSED auth_required -'), 5000, 'the auth_required refusal');
  thief.chat('forged by the thief');
  await thief.talk(5, 10);
  await srv.proc.waitForLine(/DENIED: W1ABC at 127\.0\.0\.1:\d+ \(protected callsign, not authenticated\)/);

  // With the key: one request, one answer, and it is in.
  const owner = await sim(t, 'W1ABC', srv.port);
  const ownerAuth = new AuthClient(owner);
  owner.control('OPV-EXT:1');
  const t0 = Date.now();
  const ok = await ownerAuth.login(key);
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  await srv.proc.waitForLine(/🔐 AUTHENTICATED: W1ABC at 127\.0\.0\.1:\d+ \(key test-W1ABC\)/);
  await srv.proc.waitForLine(/NEW STATION: W1ABC/);
  await owner.until(() => owner.controls('OPV-SRV').some((c) => c.startsWith('OPV:WELCOME')), 5000, 'WELCOME');
  assert.ok(Date.now() - t0 < 3000);
  owner.chat('hello from the real W1ABC');
  await L.until(() => L.texts('W1ABC').includes('hello from the real W1ABC'), 5000, 'the owner chat');
  assert.deepEqual(L.texts('W1ABC'), ['hello from the real W1ABC'], 'nothing of the thief was relayed');
  assert.equal(L.controls('W1ABC').length, 0);
  assert.ok(!L.heard.some((h) => h.message.kind === 'voice'), 'no voice of the thief');
  // The thief, still trying, stays out while the owner's session lives.
  thief.chat('forged again');
  let s = await stats(srv.statsPort);
  assert.equal(s.stations.find((x) => x.callsign === 'W1ABC')?.authenticated, true);
  assert.equal(s.stations.find((x) => x.callsign === 'K5LIS')?.authenticated, false);
  // The sysop's table marks it.
  const once = execFileSync(opvBin, ['admin', '--once', '--url', `http://127.0.0.1:${srv.statsPort}`], { encoding: 'utf8' });
  assert.match(once, /^W1ABC +127\.0\.0\.1:\d+ +idle ✓ /m);
  assert.match(once, /^K5LIS +127\.0\.0\.1:\d+ +idle {2}/m);

  // Wrong key.
  const other = await sim(t, 'W1ABC', srv.port);
  const otherAuth = new AuthClient(other);
  assert.deepEqual(await otherAuth.login(wrong), { type: 'fail', reason: 'bad_signature' });
  await srv.proc.waitForLine(/AUTH FAILED: W1ABC at 127\.0\.0\.1:\d+ \(bad_signature\)/);
  // The owner's answer replayed: after use, and against a fresh challenge.
  other.control(ownerAuth.lastResponse);
  assert.deepEqual(await otherAuth.next(), { type: 'fail', reason: 'no_challenge' });
  await otherAuth.challenge();
  other.control(ownerAuth.lastResponse);
  assert.deepEqual(await otherAuth.next(), { type: 'fail', reason: 'bad_signature' });
  // A response for another server: signed over another server's id.
  const c = await otherAuth.challenge();
  otherAuth.respond(c, key, { serverId: Buffer.alloc(16, 7) });
  assert.deepEqual(await otherAuth.next(), { type: 'fail', reason: 'bad_signature' });
  const metrics = await (await fetch(`http://127.0.0.1:${srv.statsPort}/metrics`)).text();
  assert.match(metrics, /opv_auth_failures_total \d+/);
  assert.deepEqual(L.texts('W1ABC'), ['hello from the real W1ABC']);

  // NAT rebinding: the owner's traffic now comes from a new port; its tagged keepalive moves the binding.
  const moved = await sim(t, 'W1ABC', srv.port);
  const movedAuth = new AuthClient(moved);
  movedAuth.key = ownerAuth.key;
  const t1 = Date.now();
  moved.control(movedAuth.taggedKeepalive());
  await srv.proc.waitForLine(/AUTHENTICATED: W1ABC at 127\.0\.0\.1:\d+ \(session moved by a tagged keepalive\)/);
  await srv.proc.waitForLine(new RegExp(`ENDPOINT CHANGE: W1ABC 127\\.0\\.0\\.1:${owner.port} → 127\\.0\\.0\\.1:${moved.port}`));
  // The owner announced the extension at the old port; the session carries it to the new one.
  const joinK9 = moved.controls('OPV-SRV').length;
  moved.chat('from the new port');
  L.chat('to the new port');
  await L.until(() => L.texts('W1ABC').includes('from the new port'), 2000, 'chat from the new port');
  await moved.until(() => moved.texts('K5LIS').includes('to the new port'), 2000, 'chat to the new port');
  assert.ok(Date.now() - t1 < 2000, `rebinding took ${Date.now() - t1} ms`);
  // Authenticating again while registered (a restart on the same port): the two-frame
  // answer goes through the relay path and none of its frames reaches anyone.
  const before = L.rawFrames.length;
  assert.equal((await movedAuth.login(key)).type, 'ok');
  moved.chat('after re-authentication');
  await L.until(() => L.texts('W1ABC').includes('after re-authentication'), 5000, 'chat after re-authentication');
  assert.equal(L.rawFrames.length - before, 1, 'only the chat frame reached the listener');
  // A replayed (old) tagged keepalive from elsewhere does not move it.
  const replayer = await sim(t, 'W1ABC', srv.port);
  replayer.control(movedAuth.taggedKeepalive(Date.now() - 5000));
  // Fixed waits: a refused replay shows nothing to wait for, and the chat line must then
  // fail to arrive within a quiet window.
  await pause(500);
  replayer.chat('replayed binding');
  await pause(500);
  assert.ok(!L.texts('W1ABC').includes('replayed binding'));

  // Editing the key file: K9NEW, connected without a key, becomes protected and is removed; then freed again.
  const k9 = await sim(t, 'K9NEW', srv.port);
  k9.control('OPV-EXT:1');
  await srv.proc.waitForLine(/NEW STATION: K9NEW/);
  await moved.until(() => moved.controls('OPV-SRV').slice(joinK9).includes('OPV:JOIN K9NEW'), 5000, 'the JOIN delta at the new port');
  writeFileSync(keys, readFileSync(keys, 'utf8') + `${keygen('K9NEW', path.join(dir, 'k9.pem'))}\n`);
  await srv.proc.waitForLine(/Authorized keys loaded: 2 keys for 2 callsigns/, 5000);
  await k9.until(() => k9.controls('OPV-SRV').includes('OPV:REFUSED auth_required -'), 5000, 'told it needs a key');
  k9.chat('k9 while protected');
  // A quiet window: the line must not be relayed in it.
  await pause(500);
  assert.ok(!L.texts('K9NEW').includes('k9 while protected'));
  // A broken edit keeps the keys in force.
  writeFileSync(keys, 'nonsense\n');
  await srv.proc.waitForLine(/authorized keys not reloaded \(the previous keys stay in force\): .*authorized_keys:1: /, 5000);
  writeFileSync(keys, `# only W1ABC now\n${w1line}\n`);
  await srv.proc.waitForLine(/Authorized keys loaded: 1 key for 1 callsign/, 5000, srv.proc.lines.length);
  k9.chat('k9 free again');
  await L.until(() => L.texts('K9NEW').includes('k9 free again'), 5000, 'K9NEW relayed again');

  // A response made for another server: a second server (same keys) challenges the same
  // station; the owner's answer to the first server's challenge, delivered to the second, fails.
  const srv2 = await startServer(['--authorized-keys', keys], t);
  const at1 = new AuthClient(await sim(t, 'W1ABC', srv.port));
  const to2 = new AuthClient(await sim(t, 'W1ABC', srv2.port));
  const c1 = await at1.challenge();
  const c2 = await to2.challenge();
  assert.notDeepEqual(c1.serverId, c2.serverId, 'each server has its own identity');
  to2.s.control(at1.responseText(c1, key));
  assert.deepEqual(await to2.next(), { type: 'fail', reason: 'bad_signature' });
  await srv2.proc.waitForLine(/AUTH FAILED: W1ABC at 127\.0\.0\.1:\d+ \(bad_signature\)/);
  // A stale answer: the challenge expired (10 s; a fixed wait, the time is what is tested).
  const c3 = await to2.challenge();
  await pause(10_500);
  to2.respond(c3, key);
  assert.deepEqual(await to2.next(), { type: 'fail', reason: 'expired' });

  // Failures spend the address's budget (5, one back every 10 s): then a request is refused
  // before any work is done, once with the reason, then in silence.
  let last = '';
  for (let i = 0; i < 8 && last !== 'rate_limited'; i++) {
    other.control(ownerAuth.lastResponse);
    const m = await otherAuth.next();
    last = m.type === 'fail' ? m.reason : m.type;
  }
  assert.equal(last, 'rate_limited');
  other.control('OPV-AUTH:REQUEST W1ABC');
  await assert.rejects(otherAuth.next(1500), /timed out/);
  s = await stats(srv.statsPort);
  assert.ok(s.auth_failures >= 7, `auth_failures ${s.auth_failures}`);
  assert.match(await (await fetch(`http://127.0.0.1:${srv.statsPort}/metrics`)).text(), new RegExp(`opv_auth_failures_total ${s.auth_failures}\\b`));
});

test('--auth required: a callsign without a key is refused; --auth off: listed callsigns are open', async (t) => {
  const keys = path.join(dir, 'req_keys');
  writeFileSync(keys, keygen('W1REQ', path.join(dir, 'req.pem')) + '\n');
  const req = await startServer(['--authorized-keys', keys, '--auth', 'required'], t);
  const open = await sim(t, 'K5OPEN', req.port);
  open.control('OPV-EXT:1');
  await open.until(() => open.controls('OPV-SRV').includes('OPV:REFUSED auth_required -'), 5000, 'refused under --auth required');
  const owner = new AuthClient(await sim(t, 'W1REQ', req.port));
  assert.equal((await owner.login(loadPrivateKey(readFileSync(path.join(dir, 'req.pem'), 'utf8')))).type, 'ok');
  await req.proc.waitForLine(/NEW STATION: W1REQ/);

  const off = await startServer(['--authorized-keys', keys, '--auth', 'off'], t);
  const anyone = await sim(t, 'W1REQ', off.port);
  anyone.chat('no authentication here');
  await off.proc.waitForLine(/NEW STATION: W1REQ/);
  const a = new AuthClient(anyone);
  anyone.control('OPV-AUTH:REQUEST W1REQ');
  assert.deepEqual(await a.next(), { type: 'fail', reason: 'disabled' });
});
