/**
 * The live half of bench:admin: a real `opv server`, N real UDP stations (one of them
 * talking), and `opv admin` in a real terminal (tmux). Measures how long a key takes
 * to show on screen with N rows (tmux polled every 10 ms, so ±10 ms), and the
 * dashboard process's CPU while it follows the conference.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Proc } from '../test/helpers/proc.js';
import { opvBin, freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';
import { SimStation } from '../test/helpers/sim-station.js';
import { TmuxSession } from '../test/helpers/tmux.js';
import type { ServerStats } from '../src/contract/stats.js';

const CLK_TCK = 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

async function until(t: TmuxSession, test: (s: string) => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (test(t.capture())) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`screen not as expected after ${timeoutMs} ms:\n${t.capture()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function liveBench(stations: number): Promise<void> {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const server = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), '--max-stations', String(stations + 10)]);
  const sims: SimStation[] = [];
  let tmux: TmuxSession | null = null;
  try {
    await server.waitForLine(/Server ready/);
    for (let i = 0; i < stations; i++) {
      const s = new SimStation(`L${String(i).padStart(3, '0')}AB`, { host: '127.0.0.1', port });
      await s.bound;
      sims.push(s);
    }
    tmux = new TmuxSession([opvBin, 'admin', '--url', `http://127.0.0.1:${statsPort}`], { width: 160, height: 50 });
    await until(tmux, (s) => /● CONNECTED/.test(s), 15_000);
    // A roll call: all stations at once would overflow the server's receive buffer
    // (each chat fans out to everyone already on), so in paced rounds until all are in.
    const t0Roll = performance.now();
    for (let round = 0; round < 20; round++) {
      const r = (await (await fetch(`http://127.0.0.1:${statsPort}/api/v1/stats`)).json()) as ServerStats;
      const on = new Set(r.stations.map((x) => x.callsign));
      const missing = sims.filter((x) => !on.has(x.callsign));
      if (missing.length === 0) break;
      for (let i = 0; i < missing.length; i += 25) {
        for (const x of missing.slice(i, i + 25)) x.chat('roll call');
        await new Promise((res) => setTimeout(res, 100));
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    await until(tmux, (s) => new RegExp(`Stations \\(${stations}\\)`).test(s), 30_000);
    const allRows = performance.now() - t0Roll;
    const pid = Number(execFileSync('tmux', ['-L', tmux.socket, 'display-message', '-p', '-t', tmux.target, '#{pane_pid}'], { encoding: 'utf8' }).trim());

    let talking = true;
    const talker = (async () => {
      while (talking) await sims[0]!.talk(25, 40);
    })();
    await until(tmux, (s) => /TALKING/.test(s), 10_000);

    // CPU of the dashboard over 10 s of following the conference.
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const cpuShare = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);

    // Key → screen: toggle the sort direction and wait for the header to change.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const want = i % 2 === 0 ? 'CALLSIGN▼' : 'CALLSIGN▲';
      tmux.sendKeys('r');
      latencies.push(await until(tmux, (s) => s.includes(want), 5000));
      await new Promise((r) => setTimeout(r, 100 + (i % 3) * 137));
    }
    talking = false;
    await talker;
    latencies.sort((a, b) => a - b);
    console.log(`\nlive: ${stations} real UDP stations (1 talking) through opv server, opv admin in a 160×50 tmux terminal:`);
    console.log(`  all ${stations} rows on screen ${(allRows / 1000).toFixed(2)} s after the (paced) roll call began`);
    console.log(`  key → screen (sort reversed): median ${latencies[10]!.toFixed(0)} ms, max ${latencies[latencies.length - 1]!.toFixed(0)} ms (includes tmux capture, ~10 ms polling)`);
    console.log(`  dashboard CPU while following the conference: ${(cpuShare * 100).toFixed(1)} % of one core`);
  } finally {
    tmux?.kill();
    for (const s of sims) await s.close();
    await server.stop();
  }
}
