import { withServerKeys } from '../helpers/interlink-keys.js';
import { after } from 'node:test';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort, freeTcpPort } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { TmuxSession } from '../helpers/tmux.js';
import type { ServerStats } from '../../src/contract/stats.js';

/** Shared set-up for the `opv admin` end-to-end tests: a real server, real stations, a real terminal. */

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      // Best effort: one failed cleanup must not hide the others.
    }
  }
});

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export interface RunningServer {
  proc: Proc;
  port: number;
  statsPort: number;
  url: string;
}

/** `opv server` on loopback with free ports (or the given ones, to restart in place). */
export async function startServer(extra: string[] = [], ports?: { port: number; statsPort: number }): Promise<RunningServer> {
  const port = ports?.port ?? (await freeUdpPort());
  const statsPort = ports?.statsPort ?? (await freeTcpPort());
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), ...withServerKeys(extra)]);
  onCleanup(() => proc.stop());
  await proc.waitForLine(/🚀 Server ready for connections/);
  return { proc, port, statsPort, url: `http://127.0.0.1:${statsPort}` };
}

export async function station(callsign: string, port: number): Promise<SimStation> {
  const s = new SimStation(callsign, { host: '127.0.0.1', port });
  await s.bound;
  onCleanup(() => s.close());
  return s;
}

/** `opv admin` in a 160×50 tmux terminal, waited on until it shows it is connected. */
export async function startAdmin(args: string[], opts: { waitConnected?: boolean; env?: Record<string, string> } = {}): Promise<TmuxSession> {
  const t = new TmuxSession([opvBin, 'admin', ...args], { width: 160, height: 50, env: opts.env });
  onCleanup(() => t.kill());
  if (opts.waitConnected ?? true) await t.waitForScreen(/● CONNECTED/, 15_000);
  return t;
}

/**
 * Has every station chat until the server lists them all. Sent at once, a few hundred
 * chats (each fanned out to everyone already on) can overflow the server's receive
 * buffer on a busy machine; UDP drops them, so the late ones simply try again.
 */
export async function rollCall(stations: SimStation[], statsUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await (await fetch(`${statsUrl}/api/v1/stats`)).json()) as ServerStats;
    const on = new Set(r.stations.map((x) => x.callsign));
    const missing = stations.filter((x) => !on.has(x.callsign));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} stations never registered`);
    for (let i = 0; i < missing.length; i += 25) {
      for (const x of missing.slice(i, i + 25)) x.chat('roll call');
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** The table row of `callsign` on the screen, if shown. */
export function rowOf(screen: string, callsign: string): string | undefined {
  return screen.split('\n').find((l) => new RegExp(`^.${callsign}\\s`).test(l));
}

/** The y-axis top label of the chart whose title contains `title` (the scale follows the data). */
export function chartTop(screen: string, title: string): number {
  const lines = screen.split('\n');
  const i = lines.findIndex((l) => l.includes(title));
  if (i < 0) throw new Error(`no chart "${title}" on screen:\n${screen}`);
  const col = lines[i]!.indexOf(title);
  // The title sits in the top border of its box; the first label is on the next line.
  const start = Math.max(0, col - 4);
  const m = /(\d+(?:\.\d+)?)\s*[⡇⢸]/.exec(lines[i + 1]!.slice(start, start + 12));
  if (!m) throw new Error(`no y label under "${title}":\n${lines[i + 1]!}`);
  return Number(m[1]);
}
