/**
 * npm run bench:interlink [-- --talkers 40 --seconds 10]
 * Two `opv server --nats` on loopback linked through one local nats-server, with the
 * talkers split between them, all in one room, every one talking at 25 frames/s. In the
 * same run, each arrival's delay is measured from its send: at a listener on the SAME
 * server (the relay alone) and at one on the OTHER server (relay → NATS → relay); the
 * difference is what the interlink adds per hop. Prints loss, both delays (p50, p99) and
 * the added delay, and the CPU per frame of each relay and of nats-server. First, in
 * process, the cost of sealing (signing) and opening (checking) one frame and one presence
 * message, since every frame and message on NATS is signed by its server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '../src/contract/stats.js';
import { FRAME_SIZE } from '../src/protocol/constants.js';
import { encodePresence } from '../src/server/interlink-presence.js';
import { InterlinkTrust } from '../src/server/interlink-trust.js';
import { parsePeers } from '../src/server/peers.js';
import { authorizedKeyLine } from '../src/auth/crypto.js';
import { testKeyring } from '../test/helpers/interlink-keys.js';
import { natsSkip, pollAsync, startNatsNode } from '../test/helpers/nats.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';
import { Proc } from '../test/helpers/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const K = arg('talkers', 40);
const SECONDS = arg('seconds', 10);
const WARMUP = 2;
const CLK_TCK = 100;
/** The targets. */
const TARGET_ADDED_P50_MS = 2;
const TARGET_ADDED_P99_MS = 10;

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
}

const skipWhy = natsSkip();
if (skipWhy) {
  console.error(`bench:interlink: ${skipWhy}`);
  process.exit(1);
}

/** Mean µs per call of `f` over `n` calls (after a warm-up). */
function perCall(n: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(200, n); i++) f(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return ((performance.now() - t0) * 1000) / n;
}

{
  const keys = testKeyring();
  const peers = parsePeers([authorizedKeyLine('bench-a', keys.privateKey('bench-a'), ''), authorizedKeyLine('bench-b', keys.privateKey('bench-b'), '')].join('\n'), 'peers');
  const a = new InterlinkTrust({ serverId: 'bench-a', mode: 'signed', key: keys.privateKey('bench-a'), peers });
  const b = new InterlinkTrust({ serverId: 'bench-b', mode: 'signed', key: keys.privateKey('bench-b'), peers });
  const subject = 'opv.room.MAIN.bench-a';
  const frame = Buffer.alloc(FRAME_SIZE, 0x5a);
  const N = 2000;
  const sealed: Buffer[] = [];
  const sealUs = perCall(N, () => sealed.push(a.sealFrame(subject, frame)));
  let i = 0;
  const openUs = perCall(N, () => b.openFrame('bench-a', subject, sealed[i++ % sealed.length]!));
  const ps = 'opv.presence.bench-a';
  const join = encodePresence({ v: 1, kind: 'join', server: 'bench-a', at: Date.now(), callsign: 'W1AW', room: 'MAIN', auth: false });
  const snapshot = encodePresence({
    v: 1,
    kind: 'snapshot',
    server: 'bench-a',
    at: Date.now(),
    stations: Array.from({ length: 1000 }, (_, k) => ({ callsign: `W${k}AW`, room: 'MAIN', talking: false, connected_s: 10, joined_at: Date.now(), auth: false })),
  });
  const joins: Buffer[] = [];
  const sealJoinUs = perCall(N, () => joins.push(a.sealControl(ps, join)));
  let j = 0;
  const openJoinUs = perCall(N, () => b.openControl('bench-a', ps, joins[j++]!));
  const snaps: Buffer[] = [];
  const sealSnapUs = perCall(100, () => snaps.push(a.sealControl(ps, snapshot)));
  let k = 0;
  const openSnapUs = perCall(100, () => b.openControl('bench-a', ps, snaps[k++]!));
  console.log(`signatures (Ed25519, in process, ${N} each): frame seal ${sealUs.toFixed(1)} µs, open ${openUs.toFixed(1)} µs (${frame.length} → ${sealed[0]!.length} bytes on NATS)`);
  console.log(`  presence join (${join.length} B): seal ${sealJoinUs.toFixed(1)} µs, open ${openJoinUs.toFixed(1)} µs; snapshot of 1 000 stations (${(snapshot.length / 1024).toFixed(0)} KiB): seal ${sealSnapUs.toFixed(0)} µs, open ${openSnapUs.toFixed(0)} µs`);
}

const nats = await startNatsNode({ name: 'bench-nats' });
const natsPid = nats.proc!.pid!;

interface Relay {
  id: string;
  proc: Proc;
  port: number;
  statsPort: number;
}

async function relay(id: string): Promise<Relay> {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc('node', [
    path.join(root, 'bin/opv'),
    'server',
    '-H',
    '127.0.0.1',
    '-p',
    String(port),
    '--stats-host',
    '127.0.0.1',
    '--stats-port',
    String(statsPort),
    '--stats-interval',
    '0',
    '--nats',
    nats.url,
    '--server-id',
    id,
    ...testKeyring().args(id),
  ]);
  await proc.waitForLine(/Server ready for connections/, 20_000);
  await proc.waitForLine(/NATS: connected to /, 20_000);
  return { id, proc, port, statsPort };
}

async function stats(r: Relay): Promise<ServerStats> {
  const res = await fetch(`http://127.0.0.1:${r.statsPort}/api/v1/stats`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as ServerStats;
}

interface NatsVarz {
  in_msgs: number;
  out_msgs: number;
}

const relays = [await relay('bench-a'), await relay('bench-b')];
const load = new Proc('node', [path.join(root, 'dist/bench/interlink-load.js'), '127.0.0.1', relays.map((r) => r.port).join(','), String(K), String(WARMUP), String(SECONDS)]);
try {
  await load.waitForLine(/^registered$/, 30_000);
  // Every relay knows the other's stations: subscriptions and presence are in place.
  // The load puts talker i on relay i % relays.length.
  for (const [j, r] of relays.entries()) {
    const others = Array.from({ length: K }, (_, i) => i % relays.length).filter((x) => x !== j).length;
    await pollAsync(async () => (await stats(r)).remote_stations.length === others, `${r.id} sees the ${others} stations of the other server`, 30_000, 200);
  }
  load.sendLine('go');
  await load.waitForLine(/^measure-start$/, 30_000);
  const pids = [...relays.map((r) => r.proc.pid!), natsPid];
  const cpu0 = pids.map(cpuSeconds);
  const s0 = await Promise.all(relays.map(stats));
  const v0 = (await nats.monitor('varz')) as NatsVarz;
  await load.waitForLine(/^measure-end$/, (SECONDS + 30) * 1000);
  const cpu1 = pids.map(cpuSeconds);
  const s1 = await Promise.all(relays.map(stats));
  const v1 = (await nats.monitor('varz')) as NatsVarz;
  const r = JSON.parse(await load.waitForLine(/^\{/, 30_000)) as {
    sent: number;
    received: number;
    expected: number;
    lost: number;
    lossPct: number;
    sameSamples: number;
    otherSamples: number;
    same: { p50us: number; p99us: number; maxUs: number };
    other: { p50us: number; p99us: number; maxUs: number };
  };
  await load.wait();

  const ms = (us: number): string => (us / 1000).toFixed(2);
  const addedP50 = (r.other.p50us - r.same.p50us) / 1000;
  const addedP99 = (r.other.p99us - r.same.p99us) / 1000;
  console.log(`bench:interlink — ${K} talkers at 25 frames/s split over ${relays.length} interlinked servers and one nats-server (loopback), ${SECONDS} s measured`);
  console.log(`frames sent ${r.sent.toLocaleString('en-US')}, deliveries expected ${r.expected.toLocaleString('en-US')}, received ${r.received.toLocaleString('en-US')}: loss ${r.lost} (${r.lossPct.toFixed(3)} %)`);
  console.log(`same server  (relay only)         p50 ${ms(r.same.p50us)} ms  p99 ${ms(r.same.p99us)} ms  max ${ms(r.same.maxUs)} ms  (${r.sameSamples.toLocaleString('en-US')} arrivals)`);
  console.log(`other server (relay→NATS→relay)   p50 ${ms(r.other.p50us)} ms  p99 ${ms(r.other.p99us)} ms  max ${ms(r.other.maxUs)} ms  (${r.otherSamples.toLocaleString('en-US')} arrivals)`);
  console.log(`added per interlink hop           p50 ${addedP50.toFixed(2)} ms (target ≤ ${TARGET_ADDED_P50_MS})  p99 ${addedP99.toFixed(2)} ms (target ≤ ${TARGET_ADDED_P99_MS})`);
  relays.forEach((rl, i) => {
    const fwd = s1[i]!.frames_forwarded - s0[i]!.frames_forwarded;
    const link0 = s0[i]!.interlink!;
    const link1 = s1[i]!.interlink!;
    const pub = link1.frames_published - link0.frames_published;
    const rec = link1.frames_received - link0.frames_received;
    const notPub = link1.frames_not_published - link0.frames_not_published;
    const refused = link1.rejected_signature + link1.rejected_replay + link1.rejected_unknown_peer - (link0.rejected_signature + link0.rejected_replay + link0.rejected_unknown_peer);
    const dups = link1.duplicates_dropped - link0.duplicates_dropped;
    const cpuUs = (cpu1[i]! - cpu0[i]!) * 1e6;
    console.log(
      `relay ${rl.id}: CPU ${(cpuUs / 1e6 / SECONDS * 100).toFixed(1)} % of a core, ${(cpuUs / fwd).toFixed(2)} µs per forwarded frame (${fwd.toLocaleString('en-US')} forwarded to stations, ${pub.toLocaleString('en-US')} published, ${rec.toLocaleString('en-US')} received from NATS, ${notPub} not published, ${refused} refused, ${dups} duplicates)`,
    );
  });
  const natsCpuUs = (cpu1[pids.length - 1]! - cpu0[pids.length - 1]!) * 1e6;
  const inMsgs = v1.in_msgs - v0.in_msgs;
  const outMsgs = v1.out_msgs - v0.out_msgs;
  console.log(
    `nats-server: CPU ${(natsCpuUs / 1e6 / SECONDS * 100).toFixed(1)} % of a core, ${(natsCpuUs / Math.max(1, inMsgs)).toFixed(2)} µs per frame published (${inMsgs.toLocaleString('en-US')} in, ${outMsgs.toLocaleString('en-US')} out)`,
  );
  console.log(`CPU figures come from /proc/<pid>/stat (utime+stime, ${1000 / CLK_TCK} ms ticks) over the measured ${SECONDS} s.`);
  const ok = r.lost === 0 && addedP50 <= TARGET_ADDED_P50_MS && addedP99 <= TARGET_ADDED_P99_MS;
  console.log(ok ? 'targets met' : 'TARGETS MISSED');
} finally {
  for (const rl of relays) await rl.proc.stop('SIGTERM');
  await nats.kill();
}
