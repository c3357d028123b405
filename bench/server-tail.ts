/**
 * Load for the latency-tail part of bench:server, run as its own process on a namespace
 * host: N stations registered by a keepalive (each a UDP socket, a keepalive every 2 s as stations do),
 * S event streams on the stats port that never read (stalled), and one probe station
 * sending a KEEPALIVE every 20 ms and timing its echo. Prints `measure-start`,
 * `measure-end` and a JSON result line.
 * argv: SERVER_IP PORT STATS_PORT STATIONS STALLED WARMUP_S MEASURE_S  (token in OPV_STATS_TOKEN)
 */
import { connect, type Socket as TcpSocket } from 'node:net';
import { encodeCallsign, frameMessage } from '../src/protocol/index.js';
import { loadBuilder, loadSocket } from './load-stations.js';

const [serverIp, portS, statsPortS, nS, sS, warmS, measS] = process.argv.slice(2);
const port = Number(portS);
const statsPort = Number(statsPortS);
const N = Number(nS);
const STALLED = Number(sS);
const warmupMs = Number(warmS) * 1000;
const measureMs = Number(measS) * 1000;
const token = process.env.OPV_STATS_TOKEN ?? '';

const call = (i: number): string => `T${i.toString(36).toUpperCase().padStart(3, '0')}ZZ`;
const keepalive = (id: number, i: number): Buffer[] => frameMessage(id, loadBuilder(i).control(`KEEPALIVE:${Math.floor(Date.now() / 1000)}`)).map((f) => Buffer.from(f));

// The stations: registered with a chat line, then a keepalive every 2 s each, spread out.
const stations: { s: Awaited<ReturnType<typeof loadSocket>>; id: number; i: number }[] = [];
for (let i = 0; i < N; i++) {
  const s = await loadSocket();
  s.on('message', () => undefined);
  const id = encodeCallsign(call(i));
  // Registered by a keepalive (echoed to it alone): a chat line would be relayed to all the others, 250 000 sends before the window.
  for (const f of keepalive(id, i)) s.send(f, port, serverIp);
  stations.push({ s, id, i });
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
}
let k = 0;
const keepTimer = setInterval(() => {
  // 2 s period, in 50 ms slices.
  const per = Math.ceil(N / 40);
  for (let j = 0; j < per; j++, k++) {
    const st = stations[k % N]!;
    for (const f of keepalive(st.id, st.i)) st.s.send(f, port, serverIp);
  }
}, 50);

// The stalled event streams: connect, ask for events, never read.
const stalled: TcpSocket[] = [];
await Promise.all(
  Array.from({ length: STALLED }, () =>
    new Promise<void>((resolve) => {
      const c = connect({ host: serverIp, port: statsPort }, () => {
        c.write(`GET /api/v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n\r\n`);
        c.pause();
        resolve();
      });
      c.on('error', () => resolve());
      stalled.push(c);
    }),
  ),
);

// The probe.
const probe = await loadSocket();
const probeId = encodeCallsign('PR0BE');
for (const f of frameMessage(probeId, loadBuilder(9999).text('joining'))) probe.send(f, port, serverIp);
await new Promise((r) => setTimeout(r, 1000));
let measuring = false;
// Each probe keepalive differs (the IP identification field counts up), so an echo is matched to its send even when late.
const probeBuilder = loadBuilder(9999);
const pending = new Map<string, { at: bigint; measured: boolean }>();
const rtts: number[] = [];
probe.on('message', (buf) => {
  const key = buf.toString('latin1');
  const p = pending.get(key);
  if (p === undefined) return;
  pending.delete(key);
  if (p.measured) rtts.push(Number(process.hrtime.bigint() - p.at) / 1e6);
});
let sentMeasured = 0;
const t0 = Date.now();
await new Promise<void>((resolve) => {
  const step = (): void => {
    const el = Date.now() - t0;
    if (!measuring && el >= warmupMs && el < warmupMs + measureMs) {
      measuring = true;
      process.stdout.write('measure-start\n');
    }
    if (el >= warmupMs + measureMs) {
      measuring = false;
      process.stdout.write('measure-end\n');
      setTimeout(resolve, 1000);
      return;
    }
    const f = Buffer.from(frameMessage(probeId, probeBuilder.control(`KEEPALIVE:${Math.floor(Date.now() / 1000)}`))[0]!);
    pending.set(f.toString('latin1'), { at: process.hrtime.bigint(), measured: measuring });
    if (measuring) sentMeasured++;
    probe.send(f, port, serverIp);
    setTimeout(step, 20);
  };
  step();
});
const lost = sentMeasured - rtts.length;
clearInterval(keepTimer);
rtts.sort((a, b) => a - b);
const pct = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor((rtts.length * p) / 100))] ?? NaN;
const open = stalled.filter((c) => !c.destroyed && c.readyState === 'open').length;
process.stdout.write(JSON.stringify({ samples: rtts.length, late: lost, p50ms: pct(50), p99ms: pct(99), maxms: rtts[rtts.length - 1] ?? NaN, stalledOpen: open }) + '\n');
for (const c of stalled) c.destroy();
for (const st of stations) st.s.close();
probe.close();
