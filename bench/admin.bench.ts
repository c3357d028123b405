/**
 * npm run bench:admin — how long the sysop's dashboard takes to redraw with 500
 * stations. A real blessed screen (writing its escape sequences to a counting sink
 * instead of a terminal) is fed one snapshot per "second" in which every station's
 * counters move and a tenth of them are talking; we time, per snapshot:
 *   parse   the SSE `stats` event (JSON.parse + contract checks), as the client does,
 *   update  model + panels (rates, sorting, 500 table rows, charts, figures),
 *   render  screen.render() and the write-out: layout, drawing, the terminal diff,
 * and report median / p99 / max and the bytes sent to the terminal per redraw.
 * Then the same number of real stations live (see admin-live.ts; ADMIN_BENCH_LIVE=0 skips it).
 * Environment: ADMIN_BENCH_STATIONS (default 500), ADMIN_BENCH_FRAMES (default 300).
 */
import { Writable, PassThrough } from 'node:stream';
import blessed from 'blessed';
import type { ServerStats, StationStats } from '../src/contract/stats.js';
import { Dashboard } from '../src/admin/dashboard.js';
import { parseEvent } from '../src/admin/wire.js';
import type { SortKey } from '../src/admin/model.js';
import { liveBench } from './admin-live.js';

const STATIONS = Number(process.env.ADMIN_BENCH_STATIONS ?? 500);
const FRAMES = Number(process.env.ADMIN_BENCH_FRAMES ?? 300);

class CountingSink extends Writable {
  bytes = 0;
  columns: number;
  rows: number;
  isTTY = true;
  constructor(columns: number, rows: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    cb();
  }
}

function makeStations(n: number): StationStats[] {
  return Array.from({ length: n }, (_, i) => ({
    callsign: `K${String(i).padStart(3, '0')}XY`,
    endpoint: `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 250}:${40000 + i}`,
    room: 'MAIN',
    frames: 0,
    bytes: 0,
    authenticated: false,
    last_seen_s: 0,
    talking: false,
    voice_frames: 0,
    text_frames: 0,
    control_frames: 0,
    connected_s: 0,
    timeout_in_s: 300,
  }));
}

/** Advances the simulated conference by one second. */
function tick(stations: StationStats[], t: number): ServerStats {
  let received = 0;
  let voice = 0;
  let text = 0;
  let control = 0;
  for (let i = 0; i < stations.length; i++) {
    const s = stations[i]!;
    s.talking = (i + t) % 10 === 0;
    const v = s.talking ? 25 : 0;
    const c = i % 30 === t % 30 ? 1 : 0;
    const x = i % 50 === t % 50 ? 2 : 0;
    s.voice_frames += v;
    s.control_frames += c;
    s.text_frames += x;
    s.frames += v + c + x;
    s.bytes += (v + c + x) * 134;
    s.last_seen_s = v + c + x > 0 ? 0 : s.last_seen_s + 1;
    s.timeout_in_s = Math.max(0, 300 - s.last_seen_s);
    s.connected_s = t;
    received += s.frames;
    voice += s.voice_frames;
    text += s.text_frames;
    control += s.control_frames;
  }
  return {
    uptime_s: t,
    frames_received: received,
    frames_forwarded: received * (stations.length - 1),
    decode_errors: t * 3,
    auth_failures: 0,
    auth_tag_failures: 0,
    rate_limited: t,
    timed_out_stations: 0,
    active_stations: stations.length,
    voice_frames: voice,
    text_frames: text,
    control_frames: control,
    data_frames: 0,
    hijacks_refused: 0,
    timeout_s: 300,
    stations,
    rooms: [],
    remote_stations: [],
    interlink: null,
    socket: null,
    alerts: [],
    stats_channel: null,
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${label.padEnd(8)} median ${pct(s, 50).toFixed(2).padStart(6)} ms   p99 ${pct(s, 99).toFixed(2).padStart(6)} ms   max ${s[s.length - 1]!.toFixed(2).padStart(6)} ms`;
}

function run(columns: number, rows: number, sortKey: SortKey): void {
  const output = new CountingSink(columns, rows);
  const input = new PassThrough();
  const screen = blessed.screen({
    // @types/blessed has input and output swapped; the runtime wants a readable in, a writable out.
    input,
    output: output as never,
    terminal: 'xterm-256color',
    smartCSR: true,
    fullUnicode: true,
    forceUnicode: true,
    autoPadding: true,
  });
  const dash = new Dashboard({ action: async (action, callsign) => ({ ok: false, action, callsign, message: 'bench' }) }, { screen });
  const stations = makeStations(STATIONS);
  dash.setSort(sortKey, false);
  const parse: number[] = [];
  const update: number[] = [];
  const render: number[] = [];
  const bytes: number[] = [];
  const warm = 20;
  for (let t = 1; t <= FRAMES + warm; t++) {
    const wire = JSON.stringify({ type: 'stats', at: t * 1000, stats: tick(stations, t) });
    const t0 = performance.now();
    const ev = parseEvent('stats', wire);
    const t1 = performance.now();
    if (!ev.ok || ev.value.type !== 'stats') throw new Error('bench snapshot did not parse');
    dash.applyStats(ev.value.stats, ev.value.at);
    const t2 = performance.now();
    const before = output.bytes;
    screen.render();
    // blessed buffers escape sequences until the next tick: count writing them out too.
    screen.program.flush();
    const t3 = performance.now();
    if (t > warm) {
      parse.push(t1 - t0);
      update.push(t2 - t1);
      render.push(t3 - t2);
      bytes.push(output.bytes - before);
    }
  }
  const total = parse.map((p, i) => p + update[i]! + render[i]!);
  const kb = [...bytes].sort((a, b) => a - b);
  console.log(`\n${STATIONS} stations, ${columns}×${rows} terminal, sorted by ${sortKey}, ${FRAMES} snapshots:`);
  console.log(`  ${summary('parse', parse)}`);
  console.log(`  ${summary('update', update)}`);
  console.log(`  ${summary('render', render)}`);
  console.log(`  ${summary('total', total)}   (budget: 1000 ms between snapshots)`);
  console.log(`  terminal output per redraw: median ${(pct(kb, 50) / 1024).toFixed(1)} KiB, max ${(kb[kb.length - 1]! / 1024).toFixed(1)} KiB`);
  dash.close();
}

console.log(`opv admin redraw benchmark (node ${process.version})`);
run(160, 50, 'callsign');
run(160, 50, 'kbps');
run(250, 80, 'callsign');
if (process.env.ADMIN_BENCH_LIVE !== '0') await liveBench(STATIONS);
