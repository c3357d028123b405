import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import type { ServerStats } from '../../contract/stats.js';
import { formatCount, formatDuration, formatPercent } from '../format.js';
import type { Health } from '../health.js';
import type { DashboardModel, RateSample } from '../model.js';
import { interlinkShort, roomLines, roomsAndLinkLines } from './rooms.js';

/** The server's vital figures and health warnings, as plain lines (also used by `--once`). */
export function figureLines(stats: ServerStats, health: Health, rate: RateSample | undefined, windowLabel: string): string[] {
  const perS = (v: number | undefined): string => (v === undefined ? '' : `  (${v.toFixed(1)}/s)`);
  const datagrams = stats.frames_received + stats.decode_errors;
  const lines = [
    `Uptime          ${formatDuration(stats.uptime_s)}`,
    `Active stations ${stats.active_stations}   (timeout ${stats.timeout_s} s)`,
    `Talking         ${stats.stations.filter((s) => s.talking).map((s) => s.callsign).join(' ') || '-'}`,
    `Received        ${formatCount(stats.frames_received)}${perS(rate?.received)}`,
    `Forwarded       ${formatCount(stats.frames_forwarded)}${perS(rate?.forwarded)}`,
    `Kinds received  voice ${formatCount(stats.voice_frames)} text ${formatCount(stats.text_frames)} ctl ${formatCount(stats.control_frames)} data ${formatCount(stats.data_frames)}`,
    `Decode errors   ${formatCount(stats.decode_errors)}  (${formatPercent(stats.decode_errors, datagrams)} total, ${(health.decodeErrorRate * 100).toFixed(1)}% ${windowLabel})`,
    `Rate-limited    ${formatCount(stats.rate_limited)}${perS(rate?.rateLimited)}`,
    `Timed out       ${formatCount(stats.timed_out_stations)}  (${(health.timeoutRate * 100).toFixed(0)}% ${windowLabel})`,
    `Hijacks refused ${formatCount(stats.hijacks_refused)}`,
  ];
  return lines;
}

/**
 * The same figures for a narrow panel (80 columns): two columns, five lines, so none
 * is cut at 80×24 — Decode errors, Timed out and the health verdict included. Who is
 * talking is in the table's STATE column there.
 */
export function compactFigureLines(stats: ServerStats, health: Health, rate: RateSample | undefined, width: number): string[] {
  const perS = (v: number | undefined): string => (v === undefined ? '' : ` ${v.toFixed(1)}/s`);
  const datagrams = stats.frames_received + stats.decode_errors;
  const left = [
    `Uptime        ${formatDuration(stats.uptime_s)}`,
    `Stations      ${stats.active_stations} (timeout ${stats.timeout_s} s)`,
    `Received      ${formatCount(stats.frames_received)}${perS(rate?.received)}`,
    `Forwarded     ${formatCount(stats.frames_forwarded)}${perS(rate?.forwarded)}`,
    `Kinds  v ${formatCount(stats.voice_frames)} t ${formatCount(stats.text_frames)} c ${formatCount(stats.control_frames)} d ${formatCount(stats.data_frames)}`,
  ];
  const right = [
    `Decode errors ${formatCount(stats.decode_errors)} (${formatPercent(stats.decode_errors, datagrams)})`,
    `Rate-limited  ${formatCount(stats.rate_limited)}${perS(rate?.rateLimited)}`,
    `Timed out     ${formatCount(stats.timed_out_stations)} (${(health.timeoutRate * 100).toFixed(0)}% 5 min)`,
    `Hijacks refused ${formatCount(stats.hijacks_refused)}`,
    health.warnings.length === 0 ? 'Health        ✓ healthy' : `Health        ⚠ ${health.warnings.map((w) => w.message).join('; ')}`,
  ];
  const col = Math.max(20, Math.floor((width - 1) / 2));
  const cut = (t: string, w: number): string => (t.length > w ? `${t.slice(0, w - 1)}…` : t.padEnd(w));
  return left.map((l, i) => `${cut(l, col)} ${cut(right[i] ?? '', width - col - 1)}`.trimEnd());
}

export class ServerFigures {
  readonly box: Widgets.BoxElement;

  constructor(grid: contrib.Grid, at: [number, number, number, number]) {
    this.box = grid.set(...at, blessed.box, { label: ' Server ', tags: true, scrollable: true });
  }

  update(model: DashboardModel): void {
    const stats = model.stats;
    if (!stats) {
      this.box.setContent('{yellow-fg}waiting for the first snapshot …{/yellow-fg}');
      return;
    }
    const health = model.health();
    const inner = Number(this.box.width) - 2;
    const rows = Number(this.box.height) - 2;
    // Ten figures and the verdict need 12 rows; a shorter panel (80×24) gets two columns.
    const rates = (room: string): ReturnType<DashboardModel['rates']> => model.rates(room);
    if (Number.isFinite(inner) && Number.isFinite(rows) && rows < 12) {
      const warn = health.warnings.length > 0;
      // Rows to spare (a taller terminal) show the interlink, then the rooms.
      const extra = [...(stats.interlink ? [`Interlink ${stats.interlink.server_id} ${interlinkShort(stats.interlink)}`] : []), ...(model.multiRoom ? roomLines(stats.rooms, rates) : [])];
      const cut = (t: string): string => (t.length > inner ? `${t.slice(0, inner - 1)}…` : t);
      this.box.setContent(
        [...compactFigureLines(stats, health, model.samples[model.samples.length - 1], inner), ...extra.slice(0, Math.max(0, rows - 5)).map(cut)]
          .map((l) => blessed.escape(l))
          .map((l) => l.replace(/(Health +)(✓ healthy|⚠ .*)$/, warn ? '$1{red-fg}{bold}$2{/bold}{/red-fg}' : '$1{green-fg}$2{/green-fg}'))
          .join('\n'),
      );
      return;
    }
    const lines = figureLines(stats, health, model.samples[model.samples.length - 1], 'last 5 min').map((l) => blessed.escape(l));
    const warnings = health.warnings.map((w) => `{red-fg}{bold}⚠ ${blessed.escape(w.message)}{/bold}{/red-fg}`);
    const ok = '{green-fg}✓ healthy{/green-fg}';
    const rooms = roomsAndLinkLines(stats, rates).map((l) => blessed.escape(l));
    this.box.setContent([...lines, '', ...(warnings.length > 0 ? warnings : [ok]), ...(rooms.length > 0 ? ['', ...rooms] : [])].join('\n'));
  }
}
