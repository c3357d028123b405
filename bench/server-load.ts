/**
 * Load generator for bench:server, run as its own process on a namespace host:
 * N stations (one UDP socket each), K of them talking at 25 frames/s with real voice
 * frames. Prints `measure-start`, `measure-end` and a final JSON result line.
 * argv: SERVER_IP PORT STATIONS TALKERS WARMUP_S MEASURE_S
 */
import type { Socket } from 'node:dgram';
import { encodeCallsign, frameMessage } from '../src/protocol/index.js';
import { keyOf, loadBuilder, loadSocket, runPaced, VARIANTS, voiceVariants } from './load-stations.js';

const [serverIp, portS, nS, kS, warmS, measS] = process.argv.slice(2);
const port = Number(portS);
const N = Number(nS);
const K = Number(kS);
const warmupMs = Number(warmS) * 1000;
const measureMs = Number(measS) * 1000;

function call(i: number): string {
  return `B${i.toString(36).toUpperCase().padStart(3, '0')}ZZ`;
}

interface Sim {
  socket: Socket;
  frames: Buffer[];
}

const sentAt = new Map<number, bigint>();
let measuring = false;
let counting = false;
let received = 0;
let receivedAll = 0;
const latenciesUs: number[] = [];

const sims: Sim[] = [];
for (let i = 0; i < N; i++) {
  const socket = await loadSocket();
  socket.on('message', (buf) => {
    if (counting) receivedAll++;
    if (!measuring) return;
    received++;
    if ((received & 7) === 0) {
      const t = sentAt.get(keyOf(buf));
      if (t !== undefined) latenciesUs.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  });
  const builder = loadBuilder(i);
  const id = encodeCallsign(call(i));
  const frames = i < K ? voiceVariants(id, builder, i) : [];
  sims.push({ socket, frames });
  // Register with one clean chat message.
  for (const f of frameMessage(id, builder.text('joining'))) socket.send(f, port, serverIp);
}

await new Promise((r) => setTimeout(r, 1000));
let sent = 0;
let sentMeasured = 0;
let receivedTotal = 0;
counting = true;
await runPaced({
  talkers: K,
  warmupMs,
  measureMs,
  drainMs: 300,
  send: (t, n) => {
    const s = sims[t]!;
    const f = s.frames[n % VARIANTS]!;
    sentAt.set(keyOf(f), process.hrtime.bigint());
    s.socket.send(f, port, serverIp);
    sent++;
    if (measuring) sentMeasured++;
  },
  measuring: (on) => {
    measuring = on;
  },
});
counting = false;
receivedTotal = receivedAll;
latenciesUs.sort((a, b) => a - b);
const pct = (p: number): number => latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((latenciesUs.length * p) / 100))] ?? NaN;
const expected = sent * (N - 1);
process.stdout.write(
  JSON.stringify({ sent, sentMeasured, received, receivedTotal, expected, lossPct: (100 * (expected - receivedTotal)) / expected, p50us: pct(50), p99us: pct(99), samples: latenciesUs.length }) + '\n',
);
for (const s of sims) s.socket.close();
