/**
 * Load generator for bench:server, run as its own process on a namespace host:
 * N stations (one UDP socket each), K of them talking at 25 frames/s with real voice
 * frames. Prints `measure-start`, `measure-end` and a final JSON result line.
 * argv: SERVER_IP PORT STATIONS TALKERS WARMUP_S MEASURE_S
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { encodeCallsign, frameMessage, MessageBuilder, RtpStream } from '../src/protocol/index.js';

const [serverIp, portS, nS, kS, warmS, measS] = process.argv.slice(2);
const port = Number(portS);
const N = Number(nS);
const K = Number(kS);
const warmupMs = Number(warmS) * 1000;
const measureMs = Number(measS) * 1000;
const VARIANTS = 250;

function call(i: number): string {
  return `B${i.toString(36).toUpperCase().padStart(3, '0')}ZZ`;
}

interface Sim {
  socket: Socket;
  frames: Buffer[];
}

/** A frame's identity for latency: 4 bytes of its (random) Opus payload region. */
const keyOf = (b: Buffer): number => b.readUInt32BE(60) ^ b.readUInt32BE(90);
const sentAt = new Map<number, bigint>();
let measuring = false;
let counting = false;
let received = 0;
let receivedAll = 0;
const latenciesUs: number[] = [];

const sims: Sim[] = [];
for (let i = 0; i < N; i++) {
  const socket = createSocket('udp4');
  socket.on('message', (buf) => {
    if (counting) receivedAll++;
    if (!measuring) return;
    received++;
    if ((received & 7) === 0) {
      const t = sentAt.get(keyOf(buf));
      if (t !== undefined) latenciesUs.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  });
  await new Promise<void>((r) => socket.bind(0, () => r()));
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    /* capped by net.core.rmem_max */
  }
  const builder = new MessageBuilder({
    source: [10, 0, 0, 2],
    destination: [10, 0, 0, 1],
    sourcePorts: { voice: 40000, text: 40001, control: 40002 },
    initialIdentification: i,
  });
  const id = encodeCallsign(call(i));
  const frames: Buffer[] = [];
  if (i < K) {
    const rtp = new RtpStream(i, 0, 0);
    const payload = new Uint8Array(92);
    for (let v = 0; v < VARIANTS; v++) {
      rtp.writeNext(payload, 0);
      payload.set(randomBytes(80), 12);
      frames.push(Buffer.from(frameMessage(id, builder.build('voice', payload))[0]!));
    }
  }
  sims.push({ socket, frames });
  // Register with one clean chat message.
  for (const f of frameMessage(id, builder.text('joining'))) socket.send(f, port, serverIp);
}

await new Promise((r) => setTimeout(r, 1000));
let sent = 0;
let sentMeasured = 0;
let receivedTotal = 0;
counting = true;
// Talkers are spread evenly over the 40 ms frame period, as independent stations are.
const due = Array.from({ length: K }, (_, t) => (t * 40) / K);
const count = new Array<number>(K).fill(0);
const start = performance.now();
await new Promise<void>((resolve) => {
  const step = (): void => {
    const elapsed = performance.now() - start;
    for (let t = 0; t < K; t++) {
      while (due[t]! <= elapsed) {
        const s = sims[t]!;
        const f = s.frames[count[t]! % VARIANTS]!;
        sentAt.set(keyOf(f), process.hrtime.bigint());
        s.socket.send(f, port, serverIp);
        count[t]!++;
        due[t]! += 40;
        sent++;
        if (measuring) sentMeasured++;
      }
    }
    if (!measuring && elapsed >= warmupMs && elapsed < warmupMs + measureMs) {
      measuring = true;
      process.stdout.write('measure-start\n');
    }
    if (elapsed >= warmupMs + measureMs) {
      measuring = false;
      process.stdout.write('measure-end\n');
      // Let the last frames arrive before counting the loss.
      setTimeout(() => {
        counting = false;
        resolve();
      }, 300);
      return;
    }
    setTimeout(step, 1);
  };
  step();
});
receivedTotal = receivedAll;
latenciesUs.sort((a, b) => a - b);
const pct = (p: number): number => latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((latenciesUs.length * p) / 100))] ?? NaN;
const expected = sent * (N - 1);
process.stdout.write(
  JSON.stringify({ sent, sentMeasured, received, receivedTotal, expected, lossPct: (100 * (expected - receivedTotal)) / expected, p50us: pct(50), p99us: pct(99), samples: latenciesUs.length }) + '\n',
);
for (const s of sims) s.socket.close();
