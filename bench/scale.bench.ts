/**
 * npm run bench:scale [-- --stations 500 --talkers 2,5 --seconds 10]
 * Two `opv server --nats` on loopback linked by a real nats-server, each with --stations
 * stations, all in one room; for each talker count, every talker at 25 frames/s (each
 * frame reaches all 2 × stations − 1 others). Prints loss, the servers' kernel drop
 * counters (stats JSON `socket`), the generator's own socket drops, and any
 * socket_drops alert: a loss must show in a counter, never silently.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '../src/contract/stats.js';
import { natsSkip, pollAsync, startNatsNode } from '../test/helpers/nats.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';
import { Proc } from '../test/helpers/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const S = Number(argOf('stations') ?? 500);
const TALKERS = (argOf('talkers') ?? '2,5').split(',').map(Number);
const SECONDS = Number(argOf('seconds') ?? 10);
const WARMUP = 3;

const skipWhy = natsSkip();
if (skipWhy) {
  console.error(`bench:scale: ${skipWhy}`);
  process.exit(1);
}

interface Relay {
  id: string;
  proc: Proc;
  port: number;
  statsPort: number;
}

async function stats(r: Relay): Promise<ServerStats> {
  const res = await fetch(`http://127.0.0.1:${r.statsPort}/api/v1/stats`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as ServerStats;
}

console.log(`bench:scale — 2 servers × ${S} stations linked by nats-server (loopback), one room, ${SECONDS} s measured per run`);
for (const K of TALKERS) {
  const nats = await startNatsNode({ name: 'scale-nats' });
  const relays: Relay[] = [];
  let load: Proc | null = null;
  try {
    for (const id of ['scale-a', 'scale-b']) {
      const port = await freeUdpPort();
      const statsPort = await freeTcpPort();
      const proc = new Proc('node', [path.join(root, 'bin/opv'), 'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), '--stats-interval', '0', '--max-stations', String(S + 50), '--nats', nats.url, '--server-id', id]);
      await proc.waitForLine(/Server ready for connections/, 20_000);
      await proc.waitForLine(/NATS: connected to /, 20_000);
      relays.push({ id, proc, port, statsPort });
    }
    const grant = (await stats(relays[0]!)).socket;
    load = new Proc('node', [path.join(root, 'dist/bench/scale-load.js'), '127.0.0.1', relays.map((r) => r.port).join(','), String(S), String(K), String(WARMUP), String(SECONDS)]);
    await load.waitForLine(/^registered$/, 60_000);
    for (const r of relays) {
      await pollAsync(
        async () => {
          const s = await stats(r);
          if (s.active_stations < S) load!.sendLine('again');
          return s.active_stations === S && s.remote_stations.length === S;
        },
        `${r.id} has its ${S} stations and sees the other's ${S}`,
        90_000,
        2000,
      );
    }
    const s0 = await Promise.all(relays.map(stats));
    load.sendLine('go');
    await load.waitForLine(/^measure-end$/, (SECONDS + WARMUP + 60) * 1000);
    const r = JSON.parse(await load.waitForLine(/^\{/, 60_000)) as { sent: number; expected: number; received: number; lost: number; lossPct: number; generatorDrops: number | null };
    await load.wait();
    // The sweep reads /proc once a second; wait for the last reading to include the window.
    await new Promise((res) => setTimeout(res, 2500));
    const s1 = await Promise.all(relays.map(stats));
    console.log('');
    console.log(`${K} talkers (${(K * 25 * (2 * S - 1)).toLocaleString('en-US')} deliveries/s): sent ${r.sent.toLocaleString('en-US')}, expected ${r.expected.toLocaleString('en-US')}, received ${r.received.toLocaleString('en-US')} — loss ${Math.max(0, r.lost).toLocaleString('en-US')} (${Math.max(0, r.lossPct).toFixed(3)} %)`);
    console.log(`  the generator's own sockets: the kernel dropped ${r.generatorDrops ?? 'unknown'} datagrams (a loss there is the test machine's, not a server's)`);
    for (const [i, rl] of relays.entries()) {
      const a = s0[i]!.socket;
      const b = s1[i]!.socket;
      const alerts = s1[i]!.alerts.filter((x) => x.kind === 'socket_drops');
      console.log(
        `  ${rl.id}: kernel drops on its sockets: received ${b && a ? b.kernel_rcvbuf_errors - a.kernel_rcvbuf_errors : 'unknown'}, sent ${b && a ? b.kernel_sndbuf_errors - a.kernel_sndbuf_errors : 'unknown'} (namespace-wide); ` +
          `forwarded ${(s1[i]!.frames_forwarded - s0[i]!.frames_forwarded).toLocaleString('en-US')}; rate-limited ${s1[i]!.rate_limited - s0[i]!.rate_limited}; ` +
          `socket_drops alert: ${alerts.length > 0 ? alerts[0]!.message : 'none'}`,
      );
    }
    if (K === TALKERS[0]) console.log(`  buffers granted per relay socket: receive ${grant?.rcvbuf_bytes ?? '?'} bytes, send ${grant?.sndbuf_bytes ?? '?'} bytes`);
  } finally {
    if (load) await load.stop('SIGTERM');
    for (const rl of relays) await rl.proc.stop('SIGTERM');
    await nats.kill();
  }
}
