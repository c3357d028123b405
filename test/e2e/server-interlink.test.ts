import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverStatsSchema } from '../../src/contract/stats-schema.js';
import { freeUdpPort } from '../helpers/paths.js';
import { startNatsNode } from '../helpers/nats.js';
import { SimStation } from '../helpers/sim-station.js';
import { registeredSim, startServer, type RunningServer } from './support/stations.js';

// Two servers interlinked through one real nats-server on loopback: the relay's side of
// it (fan-out by room across servers, split horizon, shared presence). The namespace
// tests (interlink-*.test.ts) add clusters, leaf nodes and faults.

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fromServer = (s: SimStation): string[] => s.controls('OPV-SRV');

const sim = (call: string, port: number, srv: RunningServer): Promise<SimStation> => registeredSim(call, port, srv, cleanups);

async function stats(srv: RunningServer): Promise<ReturnType<typeof serverStatsSchema.parse>> {
  return serverStatsSchema.parse(await (await fetch(`http://127.0.0.1:${srv.statsPort}/api/v1/stats`)).json());
}

test('two interlinked servers: one conference per room, each frame once and unchanged, nothing back to its server', async () => {
  const nats = await startNatsNode({ name: 'solo' });
  cleanups.push(() => nats.kill());
  const netA = await freeUdpPort();
  const netB = await freeUdpPort();
  const a = await startServer(['--nats', nats.url, '--server-id', 'hub-a', '--room', `NET:${netA}`]);
  cleanups.push(() => a.proc.stop());
  const b = await startServer(['--nats', nats.url, '--server-id', 'hub-b', '--room', `NET:${netB}`]);
  cleanups.push(() => b.proc.stop());
  await a.proc.waitForLine(/NATS: connected to .* as hub-a/);
  await b.proc.waitForLine(/NATS: connected to .* as hub-b/);

  const a1 = await sim('W1AAA', a.port, a);
  const a2 = await sim('W2AAA', a.port, a);
  const b1 = await sim('K1BBB', b.port, b);
  const aNet = await sim('W1NET', netA, a);
  const bNet = await sim('K1NET', netB, b);
  await b.proc.waitForLine(/REMOTE STATION: W1AAA on hub-a in room MAIN/);
  await a.proc.waitForLine(/REMOTE STATION: K1BBB on hub-b in room MAIN/);

  // Voice from A's MAIN: A's other MAIN station and B's MAIN station, once each, byte-identical.
  // What A's own MAIN station gets is what W1AAA sent (the local relay is exact, tested elsewhere).
  const got = (s: SimStation): Buffer[] => s.rawFrames.filter((f) => f.readUIntBE(0, 6) === a1.id);
  const echoes = got(a1).length; // its keepalive came back (the server echoes keepalives)
  await a1.talk(25);
  await a2.until(() => a2.heard.some((h) => h.from === 'W1AAA' && h.message.kind === 'control' && h.message.text === 'PTT_STOP'), 8000, 'PTT_STOP at A');
  const sent = got(a2);
  assert.ok(sent.length >= 27, `${sent.length} frames`);
  await b1.until(() => got(b1).length >= sent.length, 8000, 'all of W1AAA at B');
  await sleep(300);
  assert.deepEqual(got(b1).map((f) => f.toString('hex')), sent.map((f) => f.toString('hex')), 'B hears every frame once, unchanged, in order');
  assert.equal(got(a1).length, echoes, 'never back to the sender, from either server');
  assert.equal(got(aNet).length + got(bNet).length, 0, 'NET hears nothing of MAIN');

  // NET across servers, both ways, and chat.
  bNet.chat('net from b');
  aNet.chat('net from a');
  await aNet.until(() => aNet.texts('K1NET').includes('net from b'), 5000, 'NET chat at A');
  await bNet.until(() => bNet.texts('W1NET').includes('net from a'), 5000, 'NET chat at B');
  await sleep(300);
  assert.equal(aNet.texts('K1NET').length, 1);
  for (const s of [a1, a2, b1]) assert.ok(!s.texts().includes('net from b') && !s.texts().includes('net from a'), 'room isolation');

  // Figures: each server published its own frames and received only the other's.
  const sa = await stats(a);
  const sb = await stats(b);
  assert.equal(sa.interlink?.server_id, 'hub-a');
  assert.equal(sa.interlink?.connected, true);
  assert.deepEqual(sa.interlink?.subscribed_rooms, ['MAIN', 'NET']);
  assert.ok((sb.interlink?.frames_received ?? 0) >= sent.length);
  assert.deepEqual(
    sb.remote_stations.map((r) => `${r.callsign}@${r.server}/${r.room}`).sort(),
    ['W1AAA@hub-a/MAIN', 'W1NET@hub-a/NET', 'W2AAA@hub-a/MAIN'],
  );
  assert.equal(sb.rooms.find((r) => r.name === 'MAIN')?.remote_stations, 2);
  assert.equal(sa.interlink?.peers[0]?.server_id, 'hub-b');
});

test('presence is network-wide: remote stations in the roster, a callsign in use elsewhere refused, a kick on one server obeyed on the other', async () => {
  const nats = await startNatsNode({ name: 'solo2' });
  cleanups.push(() => nats.kill());
  const token = 'interlink-token';
  const a = await startServer(['--nats', nats.url, '--server-id', 'hub-a', '--stats-token', token]);
  cleanups.push(() => a.proc.stop());
  const b = await startServer(['--nats', nats.url, '--server-id', 'hub-b', '--stats-token', token]);
  cleanups.push(() => b.proc.stop());
  await a.proc.waitForLine(/NATS: connected/);
  await b.proc.waitForLine(/NATS: connected/);

  const owner = await sim('W1OWN', a.port, a);
  const watcher = await sim('VE3EXT', b.port, b);
  watcher.control('OPV-EXT:1');
  await watcher.until(() => fromServer(watcher).some((c) => /^OPV:ROSTER \d+ 1\/1 .*W1OWN:\d+:0:0:hub-a/.test(c) || c === 'OPV:JOIN W1OWN hub-a'), 8000, 'W1OWN on hub-a in the roster');

  // The same callsign on B: refused while it is active on A.
  const thief = new SimStation('W1OWN', { host: '127.0.0.1', port: b.port });
  await thief.bound;
  cleanups.push(() => thief.close());
  thief.control('OPV-EXT:1');
  thief.chat('it is me, honest');
  await thief.until(() => fromServer(thief).some((c) => c.startsWith('OPV:REFUSED in_use ')), 5000, 'REFUSED in_use');
  await b.proc.waitForLine(/HIJACK REFUSED: W1OWN from 127\.0\.0\.1:\d+ \(active at server hub-a\)/);
  await sleep(200);
  assert.ok(!watcher.texts().includes('it is me, honest'));
  assert.ok(!owner.texts().includes('it is me, honest'));

  // Kick W1OWN through B's stats channel: A drops it, and it is kept out on both.
  const res = await fetch(`http://127.0.0.1:${b.statsPort}/api/v1/stations/W1OWN/kick`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, await res.clone().text());
  await a.proc.waitForLine(/KICKED: W1OWN at 127\.0\.0\.1:\d+/);
  await watcher.until(() => fromServer(watcher).includes('OPV:LEAVE W1OWN bye'), 8000, 'LEAVE of the remote station');
  owner.chat('back again');
  await a.proc.waitForLine(/W1OWN .*kicked, kept out/);
});

test('one callsign admitted on two servers while NATS was down: when the link comes up, the later one is dropped and told why', async () => {
  const { freeTcpPort } = await import('../helpers/paths.js');
  const natsPort = await freeTcpPort();
  const url = `nats://127.0.0.1:${natsPort}`;
  const a = await startServer(['--nats', url, '--server-id', 'hub-a']);
  cleanups.push(() => a.proc.stop());
  const b = await startServer(['--nats', url, '--server-id', 'hub-b']);
  cleanups.push(() => b.proc.stop());
  await a.proc.waitForLine(/NATS: .*retrying/);
  const first = await sim('W1DUP', a.port, a);
  await sleep(300); // snapshots carry exact admission times: well under a second apart is enough
  const second = new SimStation('W1DUP', { host: '127.0.0.1', port: b.port });
  await second.bound;
  cleanups.push(() => second.close());
  second.control('OPV-EXT:1');
  await b.proc.waitForLine(/NEW STATION: W1DUP at/);
  await second.until(() => fromServer(second).some((c) => c.startsWith('OPV:WELCOME')), 5000, 'WELCOME at B');

  const nats = await startNatsNode({ name: 'late', port: natsPort });
  cleanups.push(() => nats.kill());
  await b.proc.waitForLine(/DUPLICATE: W1DUP at 127\.0\.0\.1:\d+ is also on server hub-a, which joined it first: dropped here/, 20_000);
  await second.until(() => fromServer(second).some((c) => c.startsWith('OPV:REFUSED in_use ')), 5000, 'REFUSED in_use at B');
  await sleep(500);
  assert.equal(a.proc.count(/DUPLICATE/), 0, 'the earlier one keeps it');
  const sa = serverStatsSchema.parse(await (await fetch(`http://127.0.0.1:${a.statsPort}/api/v1/stats`)).json());
  assert.deepEqual(sa.stations.map((s) => s.callsign), [first.callsign]);
  const sb = serverStatsSchema.parse(await (await fetch(`http://127.0.0.1:${b.statsPort}/api/v1/stats`)).json());
  assert.equal(sb.stations.length, 0);
  assert.deepEqual(sb.remote_stations.map((r) => `${r.callsign}@${r.server}`), ['W1DUP@hub-a']);
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCerts(): { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const f = (n: string): string => path.join(dir, n);
  const ossl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=opv test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=opv ${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), ext + '\n');
    ossl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  }
  return { dir, ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

test('TLS to NATS with client certificates: frames cross; without a certificate the link stays down and says why, and the relay serves its own stations', async () => {
  const c = makeCerts();
  const nats = await startNatsNode({ name: 'tls', tls: { cert: c.serverCert, key: c.serverKey, ca: c.ca } });
  cleanups.push(() => nats.kill());
  // By name: a certificate is checked against the host name dialled.
  const url = `tls://localhost:${nats.port}`;
  const tlsArgs = ['--nats-tls-ca', c.ca, '--nats-tls-cert', c.clientCert, '--nats-tls-key', c.clientKey];
  const a = await startServer(['--nats', url, '--server-id', 'tls-a', ...tlsArgs]);
  cleanups.push(() => a.proc.stop());
  const b = await startServer(['--nats', url, '--server-id', 'tls-b', ...tlsArgs]);
  cleanups.push(() => b.proc.stop());
  await a.proc.waitForLine(/NATS: connected to .* as tls-a/);
  await b.proc.waitForLine(/NATS: connected to .* as tls-b/);
  const ta = await sim('W1TLS', a.port, a);
  const tb = await sim('K1TLS', b.port, b);
  await a.proc.waitForLine(/REMOTE STATION: K1TLS on tls-b/);
  ta.chat('over TLS');
  await tb.until(() => tb.texts('W1TLS').includes('over TLS'), 8000, 'chat across the TLS link');

  // No client certificate: refused by the NATS server; the relay still relays locally.
  const lone = await startServer(['--nats', url, '--server-id', 'no-cert', '--nats-tls-ca', c.ca]);
  cleanups.push(() => lone.proc.stop());
  await lone.proc.waitForLine(/NATS: .*(certificate|TLS|tls|handshake|closed|reset|refused).*/i, 20_000);
  const l1 = await sim('W1LONE', lone.port, lone);
  const l2 = await sim('W2LONE', lone.port, lone);
  l1.chat('local still works');
  await l2.until(() => l2.texts('W1LONE').includes('local still works'), 5000, 'local relay without the link');
  const sl = serverStatsSchema.parse(await (await fetch(`http://127.0.0.1:${lone.statsPort}/api/v1/stats`)).json());
  assert.equal(sl.interlink?.connected, false);
  assert.ok(!tb.texts().includes('local still works'));

  // A CA file that is not there: one line naming it, exit 1.
  const { Proc } = await import('../helpers/proc.js');
  const { opvBin } = await import('../helpers/paths.js');
  const bad = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(await freeUdpPort()), '--no-stats', '--nats', url, '--nats-tls-ca', path.join(c.dir, 'missing.pem')]);
  assert.equal(await bad.waitForExit(30_000), 1);
  assert.match(bad.stderrLines.join('\n'), /NATS TLS CA file .*missing\.pem/);
  const byIp = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(await freeUdpPort()), '--no-stats', '--nats', `tls://127.0.0.1:${nats.port}`, '--nats-tls-ca', c.ca]);
  assert.equal(await byIp.waitForExit(30_000), 1);
  assert.match(byIp.stderrLines.join('\n'), /--nats tls:\/\/127\.0\.0\.1:\d+: with TLS, give the NATS server's host name/);
});

test('a rogue publisher on the NATS network: flooding frames are cut to the station rate, frames claiming a local callsign or the server are dropped and counted', async () => {
  const { connect } = await import('nats');
  const { encodeCallsign, frameMessage, MessageBuilder } = await import('../../src/protocol/index.js');
  const { SERVER_STATION_ID } = await import('../../src/protocol/ext.js');
  const nats = await startNatsNode({ name: 'rogue' });
  cleanups.push(() => nats.kill());
  const a = await startServer(['--nats', nats.url, '--server-id', 'hub-a', '--rate', '50', '--burst', '100']);
  cleanups.push(() => a.proc.stop());
  await a.proc.waitForLine(/NATS: connected/);
  const local = await sim('W1LOC', a.port, a);
  const listener = await sim('W2LOC', a.port, a);

  const nc = await connect({ servers: nats.url, name: 'rogue' });
  cleanups.push(() => nc.close());
  const builder = new MessageBuilder({ source: [10, 0, 0, 9], destination: [10, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 1 });
  const framesOf = (id: number, text: string): Uint8Array[] => frameMessage(id, builder.text(text));
  // 400 one-frame chat messages from one "remote station" at once: well over the burst.
  for (let i = 0; i < 400; i++) for (const f of framesOf(encodeCallsign('K9ROG'), `flood ${i}`)) nc.publish('opv.room.MAIN.evil', f);
  // Frames that claim a callsign on this server, and the server's own id.
  for (const f of framesOf(encodeCallsign('W1LOC'), 'i am W1LOC')) nc.publish('opv.room.MAIN.evil', f);
  for (const f of framesOf(SERVER_STATION_ID, 'OPV:ANNOUNCE forged')) nc.publish('opv.room.MAIN.evil', f);
  await nc.flush();

  await listener.until(() => listener.texts('K9ROG').length >= 100, 8000, 'the burst of the flood');
  await sleep(1000);
  const got = listener.texts('K9ROG').length;
  assert.ok(got >= 100 && got <= 160, `the flood is cut to the burst plus the rate: ${got} of 400 relayed`);
  assert.ok(!listener.texts().includes('i am W1LOC'), 'no remote frame speaks as a local station');
  assert.ok(!listener.heard.some((h) => h.from === 'OPV-SRV'), 'no remote frame speaks as the server');
  assert.ok(!local.texts().includes('i am W1LOC'));
  const s = serverStatsSchema.parse(await (await fetch(`http://127.0.0.1:${a.statsPort}/api/v1/stats`)).json());
  assert.ok((s.interlink?.frames_rejected ?? 0) >= 2, `frames_rejected ${s.interlink?.frames_rejected}`);
  assert.ok(s.rate_limited >= 200, `rate_limited ${s.rate_limited}`);
});
