import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import type { ServerStats } from '../../contract/stats.js';
import { formatCount, formatDuration, formatPercent } from '../format.js';
import type { Health } from '../health.js';
import type { DashboardModel, RateSample } from '../model.js';

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
    const lines = figureLines(stats, health, model.samples[model.samples.length - 1], 'last 5 min').map((l) => blessed.escape(l));
    const warnings = health.warnings.map((w) => `{red-fg}{bold}⚠ ${blessed.escape(w.message)}{/bold}{/red-fg}`);
    const ok = '{green-fg}✓ healthy{/green-fg}';
    this.box.setContent([...lines, '', ...(warnings.length > 0 ? warnings : [ok])].join('\n'));
  }
}
