/**
 * npm run bench:server [-- --seconds 20 --repeats 3] [--rates 25000,50000]
 *                      [--conference [--stations 100 --talkers 40]] [--opv-flags '--udp-rcvbuf 4194304']
 *                      [--tail-stations 500 --stalled 200] [--hostile-only] [--tail-only] [--relay-only]
 * First the worst case per frame: a registered station sending hostile frames,
 * timed in-process (server-hostile.ts). Then opv's relay against a minimal dgram
 * fan-out: CPU per forwarded frame in-process (server-relay-cost.ts), and the latency at
 * each of --rates frames/s to forward (101 stations), stations and server on separate
 * namespace hosts, --repeats runs of each interleaved so both see the same machine;
 * prints each run (forwarded frames/s, loss, latency, the server's CPU per forwarded
 * frame), the medians, their ratio and the load average. --conference adds a busy
 * conference (--stations, --talkers), which overloads a 2-core machine.
 * Last, the latency tail under the stats channel's worst case: --tail-stations
 * registered stations and --stalled event streams that never read, while a probe
 * times its keepalive echo (server-tail.ts).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Proc } from '../test/helpers/proc.js';
import { createTestNet, netnsAvailable } from '../test/helpers/netns.js';
import { hostileBench, printHostile } from './server-hostile.js';
import { printRelayCost, relayCost } from './server-relay-cost.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const list = (name: string, def: number[]): number[] => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]!.split(',').filter((x) => x !== '').map(Number) : def;
};
const N = arg('stations', 100);
const RATES = list('rates', [25_000, 50_000]);
const TAIL_N = arg('tail-stations', 500);
const STALLED = arg('stalled', 200);
const only = (what: string): boolean => !['--hostile-only', '--tail-only', '--relay-only'].some((f) => process.argv.includes(f)) || process.argv.includes(`--${what}-only`);
const K = arg('talkers', 40);
const SECONDS = arg('seconds', 20);
const REPEATS = arg('repeats', 3);
const WARMUP = 3;
const CLK_TCK = 100;

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Result {
  name: string;
  fps: number;
  lossPct: number;
  p50ms: number;
  p99ms: number;
  cpuUsPerFrame: number;
  rssStart: number;
  rssEnd: number;
  rssSeries: number[];
}

if (only('hostile')) {
  printHostile(await hostileBench());
  console.log('');
}
if (!only('relay') && !only('tail')) process.exit(0);

if (!netnsAvailable()) {
  console.error('bench:server needs root and iproute2 (network namespaces) to put stations and server on separate hosts');
  process.exit(1);
}

async function run(name: string, serverArgv: string[], n = N, k = K): Promise<Result> {
  const net = createTestNet(['srv', 'gen']);
  const { srv, gen } = net.hosts as Record<'srv' | 'gen', { ns: string; ip: string }>;
  const server = new Proc(serverArgv[0]!, serverArgv.slice(1), { netns: srv.ns });
  try {
    await server.waitForLine(/Server ready for connections/);
    const pid = server.child.pid!;
    const load = new Proc('node', [path.join(root, 'dist/bench/server-load.js'), srv.ip, '57372', String(n), String(k), String(WARMUP), String(SECONDS)], { netns: gen.ns });
    await load.waitForLine(/^measure-start$/, 30_000);
    const cpu0 = cpuSeconds(pid);
    const rss0 = rssMiB(pid);
    const rssSeries: number[] = [];
    const sampler = setInterval(() => rssSeries.push(rssMiB(pid)), (SECONDS * 1000) / 4);
    await load.waitForLine(/^measure-end$/, (SECONDS + 30) * 1000);
    clearInterval(sampler);
    const cpu1 = cpuSeconds(pid);
    const rss1 = rssMiB(pid);
    const r = JSON.parse(await load.waitForLine(/^\{/, 10_000)) as { received: number; lossPct: number; p50us: number; p99us: number };
    await load.wait();
    return {
      name,
      fps: r.received / SECONDS,
      lossPct: r.lossPct,
      p50ms: r.p50us / 1000,
      p99ms: r.p99us / 1000,
      cpuUsPerFrame: ((cpu1 - cpu0) * 1e6) / r.received,
      rssStart: rss0,
      rssEnd: rss1,
      rssSeries,
    };
  } finally {
    await server.stop('SIGTERM');
    net.close();
  }
}

// --opv-flags '…': extra flags for opv's server (e.g. to compare --udp-rcvbuf settings).
const opvFlagsAt = process.argv.indexOf('--opv-flags');
const opvFlags = opvFlagsAt > 0 ? process.argv[opvFlagsAt + 1]!.split(' ').filter((f) => f !== '') : [];
const opvArgv = ['node', path.join(root, 'bin/opv'), 'server', '-p', '57372', '--no-stats', '--stats-interval', '0', ...opvFlags];
const baseArgv = ['node', path.join(root, 'dist/bench/minimal-fanout.js'), '57372'];
const line = (r: Result): string =>
  `${r.name.padEnd(16)} forwarded ${Math.round(r.fps).toLocaleString('en-US').padStart(8)}/s  loss ${r.lossPct.toFixed(3)}%  latency p50 ${r.p50ms.toFixed(2)} ms p99 ${r.p99ms.toFixed(2)} ms  CPU ${r.cpuUsPerFrame.toFixed(2)} µs/frame  RSS ${[r.rssStart, ...r.rssSeries, r.rssEnd].map((x) => x.toFixed(0)).join('→')} MiB`;

const loadAvg = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (only('relay')) {
  console.log(`load average before the relay runs: ${loadAvg()} (${cpus().length} cores; figures under load are pessimistic for both relays alike)`);
  printRelayCost(await relayCost());
  if (process.argv.includes('--conference')) {
    console.log('');
    console.log(`a busy conference — ${N} stations, ${K} talking at 25 frames/s (${K * 25 * (N - 1)} frames/s to forward), ${SECONDS} s measured, namespace hosts`);
    const opv = await run('opv server', opvArgv);
    const base = await run('minimal fan-out', baseArgv);
    for (const r of [opv, base]) console.log(line(r));
    console.log(`CPU per forwarded frame, opv ÷ minimal fan-out: ${(opv.cpuUsPerFrame / base.cpuUsPerFrame).toFixed(2)}×`);
  }
  for (const rate of RATES) {
    // 101 stations: each talker's frame goes to 100 others.
    const k = Math.max(1, Math.round(rate / (25 * 100)));
    console.log('');
    console.log(`at ${(k * 2500).toLocaleString('en-US')} frames/s to forward (101 stations, ${k} talking, ${SECONDS} s measured, namespace hosts), ${REPEATS} runs each, interleaved:`);
    const o: Result[] = [];
    const b: Result[] = [];
    for (let i = 0; i < REPEATS; i++) {
      o.push(await run('opv server', opvArgv, 101, k));
      console.log(line(o[i]!));
      b.push(await run('minimal fan-out', baseArgv, 101, k));
      console.log(line(b[i]!));
    }
    const m = (rs: Result[], f: (r: Result) => number): number => median(rs.map(f));
    const [op50, op99, bp50, bp99] = [m(o, (r) => r.p50ms), m(o, (r) => r.p99ms), m(b, (r) => r.p50ms), m(b, (r) => r.p99ms)];
    console.log(`  median of ${REPEATS}: opv p50 ${op50.toFixed(2)} ms p99 ${op99.toFixed(2)} ms; minimal fan-out p50 ${bp50.toFixed(2)} ms p99 ${bp99.toFixed(2)} ms`);
    console.log(`  latency p99, opv ÷ minimal fan-out: ${(op99 / bp99).toFixed(2)}× (target ≤ 1.5×); CPU per frame ${(m(o, (r) => r.cpuUsPerFrame) / m(b, (r) => r.cpuUsPerFrame)).toFixed(2)}×; load average ${loadAvg()}`);
  }
  console.log('');
}

if (only('tail')) {
  const net = createTestNet(['srv', 'gen']);
  const { srv, gen } = net.hosts as Record<'srv' | 'gen', { ns: string; ip: string }>;
  const token = 'bench-tail-token';
  const server = new Proc('node', [path.join(root, 'bin/opv'), 'server', '-p', '57372', '--stats-host', '0.0.0.0', '--stats-port', '57380', '--stats-interval', '0', '--max-stations', String(TAIL_N + 10), '--max-event-clients', String(STALLED + 10), '--stats-per-source', String(STALLED + 10)], {
    netns: srv.ns,
    env: { ...process.env, OPV_STATS_TOKEN: token },
  });
  try {
    await server.waitForLine(/Server ready for connections/);
    const load = new Proc('node', [path.join(root, 'dist/bench/server-tail.js'), srv.ip, '57372', '57380', String(TAIL_N), String(STALLED), String(WARMUP + 5), String(SECONDS)], {
      netns: gen.ns,
      env: { ...process.env, OPV_STATS_TOKEN: token },
    });
    await load.waitForLine(/^measure-end$/, (SECONDS + 60) * 1000);
    const r = JSON.parse(await load.waitForLine(/^\{/, 10_000)) as { samples: number; late: number; p50ms: number; p99ms: number; maxms: number; stalledOpen: number };
    await load.wait();
    console.log(`latency tail — ${TAIL_N} stations, ${STALLED} stalled event streams, a keepalive every 20 ms, ${SECONDS} s measured:`);
    console.log(`  load average ${loadAvg()}`);
    console.log(`  keepalive echo p50 ${r.p50ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  max ${r.maxms.toFixed(1)} ms  (${r.samples} echoes, ${r.late} missing; target p99 < 25 ms)  stalled streams still open at the end: ${r.stalledOpen}`);
  } finally {
    await server.stop('SIGTERM');
    net.close();
  }
}
