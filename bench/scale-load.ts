/**
 * Load for bench:scale, run as its own process: S stations per server on each of the
 * given relay ports (one UDP socket each), all in one room; K talkers spread over the
 * servers at 25 frames/s. Counts every arrival, and reads the kernel's drops at its OWN
 * sockets (/proc/net/udp) so a loss here is told apart from a loss at the servers.
 * Prints `registered`, waits for a line on stdin, then `measure-start`, `measure-end` and
 * a JSON result line.
 * argv: HOST PORT,PORT STATIONS_PER_SERVER TALKERS WARMUP_S MEASURE_S
 */
import type { Socket } from 'node:dgram';
import { encodeCallsign, frameMessage } from '../src/protocol/index.js';
import { SocketWatch } from '../src/server/socket-stats.js';
import { loadBuilder, loadSocket, runPaced, VARIANTS, voiceVariants } from './load-stations.js';

const [host, portsS, sS, kS, warmS, measS] = process.argv.slice(2);
const ports = portsS!.split(',').map(Number);
const S = Number(sS);
const K = Number(kS);
const total = S * ports.length;

const call = (i: number): string => `S${i.toString(36).toUpperCase().padStart(3, '0')}Q`;
interface Sim {
  socket: Socket;
  port: number;
  frames: Buffer[];
}
let counting = false;
let inWindow = false;
let received = 0;
const sims: Sim[] = [];
for (let i = 0; i < total; i++) {
  const socket = await loadSocket();
  socket.on('message', () => {
    if (counting) received++;
  });
  // Talkers alternate between the servers: talker t is station t * (total / K) rounded, on server (that index) % servers.
  const port = ports[i % ports.length]!;
  sims.push({ socket, port, frames: [] });
}
const talkerIdx = Array.from({ length: K }, (_, t) => t);
for (const t of talkerIdx) sims[t]!.frames = voiceVariants(encodeCallsign(call(t)), loadBuilder(t), t);
const watch = new SocketWatch(() => sims.map((s) => s.socket.address().port), { askedRcvBytes: 0, askedSndBytes: 0, rcvbufBytes: 0, sndbufBytes: 0 });
const watching = await watch.start();

// Register, paced, and again for any registration lost in the burst (the harness polls the servers).
const register = async (): Promise<void> => {
  for (const [i, s] of sims.entries()) {
    for (const f of frameMessage(encodeCallsign(call(i)), loadBuilder(i).text('joining'))) s.socket.send(f, s.port, host);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
  }
};
await register();
process.stdout.write('registered\n');
process.stdin.on('data', (d) => {
  if (d.toString().includes('again')) void register().then(() => process.stdout.write('registered\n'));
});
await new Promise<void>((resolve) => process.stdin.on('data', (d) => d.toString().includes('go') && resolve()));
process.stdin.pause();
const drops0 = watching ? ((await watch.read())?.kernel_rcvbuf_errors ?? 0) : 0;
let sent = 0;
await runPaced({
  talkers: K,
  warmupMs: Number(warmS) * 1000,
  measureMs: Number(measS) * 1000,
  drainMs: 500,
  send: (t, n) => {
    const s = sims[t]!;
    s.socket.send(s.frames[n % VARIANTS]!, s.port, host);
    if (inWindow) sent++;
  },
  // Arrivals are counted from the window's start until they stop: those of the last
  // warm-up frames balance those of the window's last frames still in flight.
  measuring: (on) => {
    inWindow = on;
    if (on) counting = true;
  },
});
// A busy generator reads its 1 000 sockets behind time: count until arrivals stop (1 s
// quiet, at most 30 s), so late is not taken for lost; the kernel's drops at these
// sockets (below) say what was really lost here.
for (let last = -1, waited = 0; received !== last && waited < 30_000; waited += 1000) {
  last = received;
  await new Promise((r) => setTimeout(r, 1000));
}
counting = false;
const got = received;
const drops1 = watching ? ((await watch.read())?.kernel_rcvbuf_errors ?? 0) : 0;
const expected = sent * (total - 1);
process.stdout.write(JSON.stringify({ stations: total, talkers: K, sent, expected, received: got, lost: expected - got, lossPct: (100 * (expected - got)) / expected, generatorDrops: watching ? drops1 - drops0 : null }) + '\n');
for (const s of sims) s.socket.close();
