/**
 * CPU per forwarded frame, in-process: opv's relay (a real ConferenceServer on loopback,
 * the frame through its datagram handler: validate, rate-limit, forward, inspect) against
 * the minimal fan-out (fanout-core.ts on a default dgram socket), the same voice frames to
 * the same real listening stations (another process, so their receiving is not counted).
 * One frame per turn of the event loop, as datagrams arrive; runs interleaved, the CPU of
 * this process (user + system) over each run. Unlike the namespace runs of bench:server,
 * no load generator shares the measurement, so the two relays' own costs are compared.
 * Run on its own: node dist/bench/server-relay-cost.js [STATIONS] [FRAMES] [REPEATS]
 */
import { spawn } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeCallsign, FRAME_SIZE } from '../src/protocol/index.js';
import { DEFAULT_SERVER_CONFIG } from '../src/server/config.js';
import { OperatorLog } from '../src/server/log.js';
import { ConferenceServer } from '../src/server/server.js';
import { minimalFanout } from './fanout-core.js';
import { loadBuilder, voiceVariants } from './load-stations.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TALKER = 'C0STTK';

export interface RelayCost {
  stations: number;
  /** µs of CPU per forwarded frame, one figure per run. */
  opvUs: number[];
  baseUs: number[];
  /** Datagrams the listeners received (frames of all runs, and the chat lines of their joining), and the frames sent them. */
  received: number;
  sent: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function relayCost(stations = 100, frames = 3000, repeats = 3): Promise<RelayCost> {
  const server = new ConferenceServer(
    { ...DEFAULT_SERVER_CONFIG, host: '127.0.0.1', port: 0, statsIntervalS: 0, rateFps: 1e9, burst: 1e9, stats: { ...DEFAULT_SERVER_CONFIG.stats, enabled: false } },
    new OperatorLog('human', false, () => undefined),
  );
  await server.start();
  const child = spawn(process.execPath, [path.join(here, 'relay-cost-listeners.js'), String(server.boundPort), String(stations), TALKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const base = createSocket('udp4');
  try {
    const ports = JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as { talker: number; listeners: number[] };
    const deadline = Date.now() + 10_000;
    while (server.registry.size < stations + 1) {
      if (Date.now() > deadline) throw new Error(`only ${server.registry.size} of ${stations + 1} stations registered`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise<void>((r) => base.bind(0, '127.0.0.1', () => r()));
    const fan = minimalFanout(base);
    const talkerInfo: RemoteInfo = { address: '127.0.0.1', port: ports.talker, family: 'IPv4', size: FRAME_SIZE };
    const voice = voiceVariants(encodeCallsign(TALKER), loadBuilder(stations), 1);
    const handlers = {
      opv: (f: Buffer): void => server.onDatagram(f, talkerInfo),
      base: (f: Buffer): void => fan(f, talkerInfo),
    };
    // The baseline learns its peers from their first datagrams: one empty one from each listener, passed on to those before it as it would be.
    for (const p of ports.listeners) fan(Buffer.alloc(0), { address: '127.0.0.1', port: p });
    const run = async (which: 'opv' | 'base'): Promise<number> => {
      const h = handlers[which];
      const c0 = process.cpuUsage();
      for (let i = 0; i < frames; i++) {
        h(voice[i % voice.length]!);
        // One datagram per turn, as the socket hands them over.
        await new Promise((r) => setImmediate(r));
      }
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / (frames * stations);
    };
    // Warm the JIT on both before timing.
    await run('opv');
    await run('base');
    const opvUs: number[] = [];
    const baseUs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      opvUs.push(await run('opv'));
      baseUs.push(await run('base'));
    }
    child.stdin.end();
    const { received } = JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as { received: number };
    return { stations, opvUs, baseUs, received, sent: (2 + 2 * repeats) * frames * stations };
  } finally {
    child.kill();
    base.close();
    await server.close();
  }
}

export function printRelayCost(r: RelayCost): void {
  const f = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' / ');
  const opv = median(r.opvUs);
  const base = median(r.baseUs);
  console.log(`CPU per forwarded frame, in-process (one talker to ${r.stations} listening stations on loopback, ${r.opvUs.length} interleaved runs):`);
  console.log(`  opv relay        ${f(r.opvUs)} µs   (median ${opv.toFixed(2)})`);
  console.log(`  minimal fan-out  ${f(r.baseUs)} µs   (median ${base.toFixed(2)})`);
  console.log(`  opv ÷ minimal fan-out: ${(opv / base).toFixed(2)}×  (the listeners received ${r.received.toLocaleString('en-US')} datagrams for ${r.sent.toLocaleString('en-US')} frames sent)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = (i: number, d: number): number => (process.argv[i] === undefined ? d : Number(process.argv[i]));
  printRelayCost(await relayCost(n(2, 100), n(3, 3000), n(4, 3)));
}
