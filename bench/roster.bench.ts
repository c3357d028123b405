/**
 * npm run bench:roster [-- --stations 500 --rounds 200]
 * The relay-side cost of the opv extension (docs/EXTENSIONS.md) with N stations that all
 * announced it: a real ConferenceServer on loopback, N real UDP sockets as stations.
 * Times, on the server's event loop, what each extension message costs to frame and
 * send to everyone (JOIN/LEAVE/TALK deltas, an announcement), the roster snapshot a
 * newcomer gets, and for comparison relaying one ordinary voice frame to everyone.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Proc } from '../test/helpers/proc.js';
import { encodeCallsign, frameMessage, MessageBuilder } from '../src/protocol/index.js';
import { ConferenceServer } from '../src/server/server.js';
import { DEFAULT_SERVER_CONFIG } from '../src/server/config.js';
import { OperatorLog } from '../src/server/log.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('stations', 500);
const ROUNDS = arg('rounds', 200);

const server = new ConferenceServer(
  { ...DEFAULT_SERVER_CONFIG, host: '127.0.0.1', port: 0, maxStations: N + 10, statsIntervalS: 0, rateFps: 1e6, burst: 1e6, stateDir: mkdtempSync(path.join(tmpdir(), 'opv-bench-')) },
  new OperatorLog('human', false, () => undefined),
);
await server.start();
const port = server.boundPort;

const builder = new MessageBuilder({ source: [127, 0, 0, 1], destination: [127, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 0 });
const call = (i: number): string => `B${String(i).padStart(5, '0')}`;
const here = path.dirname(fileURLToPath(import.meta.url));
const stations = new Proc('node', [path.join(here, 'roster-stations.js'), String(port), String(N)]);
const station1Port = Number((await stations.waitForLine(/^ready \d+$/, 60_000)).split(' ')[1]);
// Joins fan out to everyone already there (N²/2 datagrams): some announcements drown; say them again.
const deadline = Date.now() + 120_000;
while (server.presence.extStations < N && Date.now() < deadline) {
  const mark = stations.lines.length;
  stations.sendLine('announce');
  await stations.waitForLine(/^done announce$/, 60_000, mark);
  await new Promise((r) => setTimeout(r, 500));
}
if (server.presence.extStations < N) throw new Error(`only ${server.presence.extStations} of ${N} stations registered`);
await new Promise((r) => setTimeout(r, 500));

const drain = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
/** CPU of this process (the relay) per event, sends included, measured over ROUNDS events. */
async function time(label: string, fn: (i: number) => void, framesOf: () => number): Promise<void> {
  const framesBefore = framesOf();
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(i);
    // libuv may queue sends the socket could not take at once: they are sent (and their CPU spent) before the timer fires.
    await new Promise<void>((r) => setImmediate(r));
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    if (i % 10 === 9) await drain();
  }
  const frames = (framesOf() - framesBefore) / ROUNDS;
  const us = cpu / ROUNDS;
  console.log(
    `${label.padEnd(38)} ${us.toFixed(0).padStart(6)} µs CPU  ${((wall / ROUNDS) * 1000).toFixed(0).padStart(6)} µs wall  ${frames.toFixed(0).padStart(5)} frames  ${(us / Math.max(1, frames)).toFixed(2)} µs/frame`,
  );
}

// The events go through the server's own path (onEvent → frame once → N sends).
const p = server.presence;
console.log(`bench:roster — ${N} stations with the extension, ${ROUNDS} rounds each (node ${process.version})`);
const ext = (): number => p.framesSent;
await time('TALK delta to all', (i) => p.onEvent({ type: i % 2 ? 'ptt_stop' : 'ptt_start', at: Date.now(), callsign: call(0), room: 'MAIN' }, Date.now()), ext);
await time('LEAVE delta to all', () => p.onEvent({ type: 'station_timeout', at: Date.now(), callsign: 'GONE1', endpoint: '127.0.0.1:1', idle_s: 300, room: 'MAIN' }, Date.now()), ext);
await time('announcement (60 chars) to all', () => void server.announce('net starts in five minutes on this conference, 73 de sysop!'), ext);
// A newcomer's snapshot of N entries: WELCOME + ROSTER messages of 24 entries each.
await time(`roster snapshot (${N} entries) to one`, () => {
  (p as unknown as { sendRoster(st: unknown, now: number): void }).sendRoster(server.registry.get(call(0)), Date.now());
}, ext);
// Baseline: one voice-sized frame relayed to everyone through the hot path.
const voice = frameMessage(encodeCallsign(call(1)), builder.build('voice', new Uint8Array(92).fill(1).map((v, i) => (i === 0 ? 0x80 : i === 1 ? 96 : v))))[0]!;
const relay = (server as unknown as { onDatagram(b: Buffer, r: { address: string; port: number }): void }).onDatagram.bind(server);
const from = { address: '127.0.0.1', port: station1Port };
await time('baseline: one voice frame relayed', () => relay(Buffer.from(voice), from), () => server.counters.framesForwarded);
await drain();
stations.sendLine('count');
console.log(`(datagrams received by the ${N} stations in all: ${(await stations.waitForLine(/^received /)).split(' ')[1]})`);
stations.sendLine('quit');
await stations.wait();
await server.close();
