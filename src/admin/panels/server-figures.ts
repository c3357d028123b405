import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ServerStats } from '../../contract/stats.js';
import { formatCompact, formatCount, formatDuration, formatPercent, wrapText } from '../format.js';
import type { Health } from '../health.js';
import type { DashboardModel, RateSample } from '../model.js';
import { roomsAndLinkLines } from './rooms.js';
import { inert } from '../../util/inert-text.js';

/**
 * The server's vital figures as plain lines (the wide panel and `--once`). `windowLabel`
 * names the window the health rates cover; null when that is the whole uptime (`--once`),
 * where the windowed rate would only repeat the total.
 */
export function figureLines(stats: ServerStats, health: Health, rate: RateSample | undefined, windowLabel: string | null): string[] {
  const perS = (v: number | undefined): string => (v === undefined ? '' : `  (${v.toFixed(1)}/s)`);
  const datagrams = stats.frames_received + stats.decode_errors;
  const decodeWindow = windowLabel === null ? '' : `, ${(health.decodeErrorRate * 100).toFixed(1)}% ${windowLabel}`;
  const timeoutShare = `${(health.timeoutRate * 100).toFixed(0)}% ${windowLabel ?? 'of stations'}`;
  return [
    `Uptime          ${formatDuration(stats.uptime_s)}`,
    `Active stations ${stats.active_stations}   (timeout ${stats.timeout_s} s)`,
    `Talking         ${stats.stations.filter((s) => s.talking).map((s) => s.callsign).join(' ') || '-'}`,
    `Received        ${formatCount(stats.frames_received)}${perS(rate?.received)}`,
    `Forwarded       ${formatCount(stats.frames_forwarded)}${perS(rate?.forwarded)}`,
    `Kinds received  voice ${formatCount(stats.voice_frames)} text ${formatCount(stats.text_frames)} ctl ${formatCount(stats.control_frames)} data ${formatCount(stats.data_frames)}`,
    `Decode errors   ${formatCount(stats.decode_errors)}  (${formatPercent(stats.decode_errors, datagrams)} of datagrams${decodeWindow})`,
    `Rate-limited    ${formatCount(stats.rate_limited)}${perS(rate?.rateLimited)}`,
    `Timed out       ${formatCount(stats.timed_out_stations)}  (${timeoutShare})`,
    `Hijacks refused ${formatCount(stats.hijacks_refused)}`,
  ];
}

/** KiB, for socket buffers ("208 KiB"). */
function kib(bytes: number): string {
  return `${formatCount(Math.round(bytes / 1024))} KiB`;
}

/**
 * The kernel's side of the relay's sockets: datagrams dropped because a buffer was full
 * (receive, send) and the buffers it granted. Empty when the server does not report them.
 */
export function socketLines(stats: ServerStats): string[] {
  const k = stats.socket;
  if (!k) return [];
  return [
    `Kernel drops    rcv ${formatCount(k.kernel_rcvbuf_errors)} snd ${formatCount(k.kernel_sndbuf_errors)}`,
    `Socket buffers  rcv ${kib(k.rcvbuf_bytes)} snd ${kib(k.sndbuf_bytes)}`,
  ];
}

/** The server's active alerts, one line each (plain text; what stations sent is made inert by the caller). */
export function alertLines(stats: ServerStats): string[] {
  return stats.alerts.map((a) => `⚠ ${a.message} (${a.kind}${a.subject !== null ? ` ${a.subject}` : ''}, for ${formatDuration(a.since_s)})`);
}

/** The width from which the stacked layout's figures panel shows two columns. */
const TWO_COLUMNS_FROM = 78;

/**
 * The same figures for the stacked layout's full-width panel: two columns of five
 * lines, so none is cut at 80×24 — Decode errors, Timed out and the health verdict
 * included. Who is talking is in the table's STATE column there.
 */
export function compactFigureLines(stats: ServerStats, health: Health, rate: RateSample | undefined, width: number): string[] {
  const perS = (v: number | undefined): string => (v === undefined ? '' : ` ${v.toFixed(1)}/s`);
  const datagrams = stats.frames_received + stats.decode_errors;
  const left = [
    `Uptime        ${formatDuration(stats.uptime_s)}`,
    `Stations      ${stats.active_stations} (timeout ${stats.timeout_s} s)`,
    `Received      ${formatCompact(stats.frames_received)}${perS(rate?.received)}`,
    `Forwarded     ${formatCompact(stats.frames_forwarded)}${perS(rate?.forwarded)}`,
    `Kinds  v ${formatCompact(stats.voice_frames)} t ${formatCompact(stats.text_frames)} c ${formatCompact(stats.control_frames)} d ${formatCompact(stats.data_frames)}`,
  ];
  const right = [
    `Decode errors ${formatCompact(stats.decode_errors)} (${formatPercent(stats.decode_errors, datagrams)})`,
    `Rate-limited  ${formatCompact(stats.rate_limited)}${perS(rate?.rateLimited)}`,
    `Timed out     ${formatCompact(stats.timed_out_stations)} (${(health.timeoutRate * 100).toFixed(0)}% 5 min)`,
    `Hijacks refused ${formatCompact(stats.hijacks_refused)}`,
    health.warnings.length + stats.alerts.length === 0 ? 'Health        ✓ healthy' : 'Health        ⚠ see below',
  ];
  const k = stats.socket;
  if (k) {
    left.push(`Kernel drops  rcv ${formatCompact(k.kernel_rcvbuf_errors)} snd ${formatCompact(k.kernel_sndbuf_errors)}`);
    right.push(`Buffers KiB   rcv ${formatCount(Math.round(k.rcvbuf_bytes / 1024))} snd ${formatCount(Math.round(k.sndbuf_bytes / 1024))}`);
  }
  const col = Math.max(20, Math.floor((width - 1) / 2));
  return left.map((l, i) => `${l.padEnd(col)} ${right[i] ?? ''}`.trimEnd());
}

/** Lines `text` takes in `width` columns when wrapped. */
function wrappedRows(text: string, width: number): number {
  return wrapText(text, width).length;
}

/**
 * The panel's content for an inner width (blessed tags; long lines are wrapped by the
 * box, never cut): the figures, the health verdict and warnings, then the rooms table
 * and the interlink.
 */
export function figurePanelLines(model: DashboardModel, inner: number): string[] {
  const stats = model.stats;
  if (!stats) return ['{yellow-fg}waiting for the first snapshot …{/yellow-fg}'];
  const health = model.health();
  const rate = model.samples[model.samples.length - 1];
  const rates = (room: string): ReturnType<DashboardModel['rates']> => model.rates(room);
  const warnings = [
    ...health.warnings.map((w) => `⚠ ${w.message}`),
    // What the server says about stations (callsigns, addresses) is shown, never interpreted.
    ...alertLines(stats).map(inert),
  ].map((w) => `{red-fg}{bold}${blessed.escape(w)}{/bold}{/red-fg}`);
  const rooms = roomsAndLinkLines(stats, rates, false, inner).map((l) => blessed.escape(l));
  if (inner >= TWO_COLUMNS_FROM) {
    const verdict = warnings.length > 0 ? '{red-fg}{bold}$2{/bold}{/red-fg}' : '{green-fg}$2{/green-fg}';
    const figures = compactFigureLines(stats, health, rate, inner).map((l) => blessed.escape(l).replace(/(Health +)(✓ healthy|⚠ .*)$/, `$1${verdict}`));
    return [...figures, ...warnings, ...rooms];
  }
  const ok = '{green-fg}✓ healthy{/green-fg}';
  const lines = [...figureLines(stats, health, rate, 'last 5 min'), ...socketLines(stats)].map((l) => blessed.escape(l));
  return [...lines, ...(warnings.length > 0 ? warnings : [ok]), ...(rooms.length > 0 ? ['', ...rooms] : [])];
}

/** Rows (borders included) the panel needs at `width` columns. */
export function figurePanelRows(model: DashboardModel, width: number): number {
  const inner = width - 2;
  return 2 + figurePanelLines(model, inner).reduce((n, l) => n + wrappedRows(l.replace(/\{\/?[a-z-]+\}/g, ''), inner), 0);
}

export class ServerFigures {
  readonly box: Widgets.BoxElement;

  constructor(parent: Widgets.Node) {
    this.box = blessed.box({ parent, label: ' Server ', tags: true, scrollable: true, border: { type: 'line' } });
  }

  update(model: DashboardModel): void {
    const inner = Number(this.box.width) - 2;
    this.box.setContent(figurePanelLines(model, Number.isFinite(inner) && inner > 0 ? inner : 78).join('\n'));
  }
}
