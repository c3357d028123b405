/**
 * Load generator for bench:interlink, run as its own process: stations spread evenly over
 * several interlinked servers (one UDP socket each, all in room MAIN), every one talking at
 * 25 frames/s with real voice frames. Each arrival is timed against its send and classed
 * by whether sender and listener are on the same server (the relay's own fan-out) or on
 * different ones (one more hop: relay → NATS → relay). Prints `registered`, `measure-start`,
 * `measure-end` and a final JSON result line.
 * argv: HOST PORT[,PORT…] TALKERS WARMUP_S MEASURE_S
 */
import type { Socket } from 'node:dgram';
import { encodeCallsign, frameMessage } from '../src/protocol/index.js';
import { keyOf, loadBuilder, loadSocket, runPaced, VARIANTS, voiceVariants } from './load-stations.js';

const [host, portsS, kS, warmS, measS] = process.argv.slice(2);
if (!host || !portsS || !kS || !warmS || !measS) {
  process.stderr.write('usage: interlink-load HOST PORT[,PORT…] TALKERS WARMUP_S MEASURE_S\n');
  process.exit(2);
}
const ports = portsS.split(',').map(Number);
const K = Number(kS);
const warmupMs = Number(warmS) * 1000;
const measureMs = Number(measS) * 1000;

interface Talker {
  socket: Socket;
  server: number;
  frames: Buffer[];
}

const sentAt = new Map<number, { t: bigint; server: number }>();
let measuring = false;
let counting = false;
let receivedAll = 0;
let sameMeasured = 0;
let otherMeasured = 0;
// Latencies in microseconds, every arrival while measuring, split by hop count.
const same: number[] = [];
const other: number[] = [];

const talkers: Talker[] = [];
for (let i = 0; i < K; i++) {
  const server = i % ports.length;
  const socket = await loadSocket('127.0.0.1');
  socket.on('message', (buf) => {
    if (counting) receivedAll++;
    if (!measuring) return;
    const s = sentAt.get(keyOf(buf));
    if (s === undefined) return;
    const us = Number(process.hrtime.bigint() - s.t) / 1000;
    if (s.server === server) {
      sameMeasured++;
      same.push(us);
    } else {
      otherMeasured++;
      other.push(us);
    }
  });
  const builder = loadBuilder(i);
  const id = encodeCallsign(`I${i.toString(36).toUpperCase().padStart(3, '0')}ZZ`);
  const frames = voiceVariants(id, builder, i + 1);
  talkers.push({ socket, server, frames });
  for (const f of frameMessage(id, builder.text('joining'))) socket.send(f, ports[server], host);
}
process.stdout.write('registered\n');
// The orchestrator says when every server knows the others' stations (so every subscription is in place).
await new Promise<void>((resolve) => {
  process.stdin.once('data', () => {
    // Stop reading, so stdin does not keep this process alive at the end.
    process.stdin.pause();
    resolve();
  });
});

let sent = 0;
counting = true;
await runPaced({
  talkers: K,
  warmupMs,
  measureMs,
  drainMs: 500,
  send: (t, n) => {
    const s = talkers[t]!;
    const f = s.frames[n % VARIANTS]!;
    sentAt.set(keyOf(f), { t: process.hrtime.bigint(), server: s.server });
    s.socket.send(f, ports[s.server], host);
    sent++;
  },
  measuring: (on) => {
    measuring = on;
  },
});
counting = false;

const pct = (a: number[], p: number): number => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))] ?? NaN;
same.sort((a, b) => a - b);
other.sort((a, b) => a - b);
const expected = sent * (K - 1);
process.stdout.write(
  JSON.stringify({
    sent,
    received: receivedAll,
    expected,
    lost: expected - receivedAll,
    lossPct: (100 * (expected - receivedAll)) / expected,
    sameSamples: sameMeasured,
    otherSamples: otherMeasured,
    same: { p50us: pct(same, 50), p99us: pct(same, 99), maxUs: same[same.length - 1] ?? NaN },
    other: { p50us: pct(other, 50), p99us: pct(other, 99), maxUs: other[other.length - 1] ?? NaN },
  }) + '\n',
);
for (const t of talkers) t.socket.close();
process.exit(0);
