/**
 * npm run bench:station-memory [-- --minutes 60] — a soak of real `opv station`
 * processes (line mode, real ALSA playback into a null device, the speech fixture as
 * the microphone) chatting and talking through a real `opv server` on loopback, with
 * each station's resident memory (VmRSS) sampled from /proc.
 *
 * Prints: the memory of `opv station` at idle (connected, nobody talking) and in a busy
 * net (the end of the soak); each station's RSS at the start of the traffic, at 5
 * minutes (runs of 10 minutes or more), and at the end; and the slope of each station's
 * RSS over the second half of the run (least squares, MiB per minute). The goal
 * (issue 20): over 60 minutes each station stays within +10 MiB of its 5-minute value.
 *
 * Flags: --minutes M (default 3), --stations N (default 20), --chat-every-ms MS
 * (default 1500: one chat line from a random station), --sample-s S (default 10),
 * --playback none (no sound output, to tell the ALSA playback's share of the memory).
 * Extra node flags for the stations (e.g. --heapsnapshot-signal=SIGUSR2) go in
 * OPV_BENCH_STATION_NODE_OPTIONS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const opv = path.join(root, 'bin', 'opv');
const speechWav = path.join(root, 'test', 'fixtures', 'speech-48k-mono.wav');

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`${name} needs a positive number\n`);
    process.exit(2);
  }
  return v;
}

const MINUTES = flag('--minutes', 3);
const STATIONS = Math.round(flag('--stations', 20));
const CHAT_EVERY_MS = flag('--chat-every-ms', 1500);
const SAMPLE_S = flag('--sample-s', 10);
const PLAYBACK_NONE = process.argv.includes('--playback') && process.argv[process.argv.indexOf('--playback') + 1] === 'none';
const MiB = 1024 * 1024;
/** Issue 20: each station within this much of its 5-minute RSS at the end of the soak. */
const GOAL_MIB = 10;

/** A child whose output is watched line by line but not kept (a long soak prints a lot). */
class Child {
  readonly proc: ChildProcess;
  private watchers: { re: RegExp; resolve: (l: string) => void }[] = [];
  private tail: string[] = [];
  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin!.on('error', () => undefined);
    for (const s of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: s }).on('line', (l) => {
        this.tail.push(l);
        if (this.tail.length > 30) this.tail.shift();
        const hit = this.watchers.filter((w) => w.re.test(l));
        this.watchers = this.watchers.filter((w) => !hit.includes(w));
        for (const w of hit) w.resolve(l);
      });
    }
  }
  waitFor(re: RegExp, ms = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; last output:\n${this.tail.join('\n')}`)), ms);
      this.watchers.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  }
  send(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
}

/** Resident memory of a process, bytes (null once it has gone). */
function rss(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Least-squares slope of (minute, MiB) points. */
function slope(points: { min: number; mib: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.min, 0) / n;
  const my = points.reduce((a, p) => a + p.mib, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.min - mx) * (p.mib - my);
    den += (p.min - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const mib = (b: number | null | undefined): string => (b === null || b === undefined ? '   —  ' : (b / MiB).toFixed(1).padStart(6));

const work = mkdtempSync(path.join(tmpdir(), 'opv-soak-'));
const home = path.join(work, 'home');
mkdirSync(home, { recursive: true });
// Real ALSA playback (the aplay child) into the null device: the path a Pi station runs.
writeFileSync(path.join(home, '.asoundrc'), 'pcm.!default { type null }\n');
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_STATE_HOME: path.join(home, '.state') };
const stationEnv: NodeJS.ProcessEnv = { ...env, NODE_OPTIONS: [process.env.NODE_OPTIONS, process.env.OPV_BENCH_STATION_NODE_OPTIONS].filter(Boolean).join(' ') };

const children: Child[] = [];
let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => c.stop()));
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
// A bench that fails half-way must not leave 20 stations running.
process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL');
});

const port = await freeUdpPort();
const server = new Child(process.execPath, [opv, 'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(await freeTcpPort()), '--stats-interval', '0'], { ...env, STATE_DIRECTORY: path.join(work, 'server-state') });
children.push(server);
await server.waitFor(/Server ready/);

const calls = Array.from({ length: STATIONS }, (_, i) => `W${(i % 10) + 1}M${String.fromCharCode(65 + Math.floor(i / 10))}${String.fromCharCode(65 + (i % 26))}`);
const stations: { call: string; child: Child }[] = [];
for (const call of calls) {
  const listen = await freeUdpPort();
  const child = new Child(
    process.execPath,
    [opv, 'station', call, '-i', '127.0.0.1', '-p', String(port), '--listen-port', String(listen), '--data-dir', path.join(work, call), '--no-tui', '--audio-in', speechWav, ...(PLAYBACK_NONE ? ['--no-audio'] : [])],
    stationEnv,
  );
  children.push(child);
  stations.push({ call, child });
  await child.waitFor(/connected to server/);
}
const pids = stations.map((s) => s.child.proc.pid);

// Idle: everyone connected, nobody talking; give start-up garbage a few seconds to settle.
await new Promise((r) => setTimeout(r, 10_000));
const idle = pids.map(rss);
process.stdout.write(`opv station idle (connected, ${STATIONS} stations, no traffic): median ${mib(median(idle.filter((x): x is number => x !== null)))} MiB, max ${mib(Math.max(...idle.map((x) => x ?? 0)))} MiB\n`);

// Traffic: a chat line every CHAT_EVERY_MS from a random station; one talker at a time
// (the 7.3 s speech fixture), the next a second after the last released.
const trafficStart = performance.now();
const tMin = (): number => (performance.now() - trafficStart) / 60_000;
let chats = 0;
let transmissions = 0;
const chatTimer = setInterval(() => {
  const s = stations[Math.floor(Math.random() * stations.length)]!;
  s.child.send(`soak line ${++chats} from ${s.call}: the quick brown fox ${'73 '.repeat(1 + (chats % 20))}`);
}, CHAT_EVERY_MS);
let talking = true;
const talkLoop = (async () => {
  let i = 0;
  while (talking) {
    const s = stations[i++ % stations.length]!;
    const released = s.child.waitFor(new RegExp(`🔇 ${s.call.replace('/', '\\/')}: PTT was released`), 30_000).catch(() => null);
    s.child.send('/ptt on');
    await released;
    transmissions++;
    await new Promise((r) => setTimeout(r, 1000));
  }
})();

const samples: { min: number; rss: (number | null)[] }[] = [{ min: 0, rss: pids.map(rss) }];
const at5 = MINUTES >= 10 ? 5 : null;
let five: (number | null)[] | null = null;
const sampler = setInterval(() => {
  const s = { min: tMin(), rss: pids.map(rss) };
  samples.push(s);
  if (at5 !== null && five === null && s.min >= at5) five = s.rss;
  const ok = s.rss.filter((x): x is number => x !== null);
  process.stdout.write(`  t=${s.min.toFixed(1).padStart(5)} min  RSS median ${mib(median(ok))} MiB  max ${mib(Math.max(...ok))} MiB  (${chats} chat lines, ${transmissions} transmissions)\n`);
}, SAMPLE_S * 1000);
// Each station's RSS once a minute, so a long run's log shows who grows and when.
let minute = 0;
const perMinute = setInterval(() => {
  minute++;
  process.stdout.write(`  minute ${String(minute).padStart(3)} RSS MiB: ${stations.map((st) => `${st.call} ${mib(rss(st.child.proc.pid)).trim()}`).join('  ')}\n`);
}, 60_000);

await new Promise((r) => setTimeout(r, MINUTES * 60_000));
clearInterval(sampler);
clearInterval(perMinute);
clearInterval(chatTimer);
talking = false;
const end = pids.map(rss);
await Promise.race([talkLoop, new Promise((r) => setTimeout(r, 10_000))]);

const endOk = end.filter((x): x is number => x !== null);
process.stdout.write(`opv station in a busy net (${STATIONS} stations, ${chats} chat lines, ${transmissions} transmissions over ${MINUTES} min): median ${mib(median(endOk))} MiB, max ${mib(Math.max(...endOk))} MiB\n`);
process.stdout.write(`\nstation     start  ${five ? '5 min ' : ''}   end   end−${five ? '5min' : 'start'}  slope (2nd half, MiB/min)\n`);
const slopes: number[] = [];
const half = samples.filter((s) => s.min >= tMin() / 2);
for (const [i, st] of stations.entries()) {
  const base = five ? five[i] : samples[0]!.rss[i];
  const sl = slope(half.filter((s) => s.rss[i] !== null && s.rss[i] !== undefined).map((s) => ({ min: s.min, mib: s.rss[i]! / MiB })));
  slopes.push(sl);
  const growth = end[i] !== null && base !== null && base !== undefined ? (end[i]! - base) / MiB : NaN;
  process.stdout.write(`${st.call.padEnd(9)} ${mib(samples[0]!.rss[i])} ${five ? mib(five[i]) + ' ' : ''}${mib(end[i])}   ${growth.toFixed(1).padStart(6)}     ${sl.toFixed(3).padStart(7)}\n`);
}
process.stdout.write(`slope median ${median(slopes.filter(Number.isFinite)).toFixed(3)} MiB/min, max ${Math.max(...slopes.filter(Number.isFinite)).toFixed(3)} MiB/min\n`);
const growths = stations.map((_, i) => {
  const base = five ? five[i] : samples[0]!.rss[i];
  return end[i] !== null && end[i] !== undefined && base !== null && base !== undefined ? (end[i] - base) / MiB : NaN;
});
const within = growths.filter((g) => Number.isFinite(g) && g <= GOAL_MIB).length;
process.stdout.write(
  `goal: each station within +${GOAL_MIB} MiB of its ${five ? '5-minute' : 'start'} value: ${within}/${STATIONS} (largest growth ${Math.max(...growths.filter(Number.isFinite)).toFixed(1)} MiB) — ${within === STATIONS ? 'met' : 'NOT met'}\n`,
);
await stopAll();
