import type { InterlinkStats, RoomStats, ServerStats } from '../../contract/stats.js';
import { formatCompact, formatCount, formatDuration } from '../format.js';
import type { RoomRates } from '../model.js';

/**
 * The rooms and the interlink as plain lines: under the server figures on the
 * dashboard, in the stations title and status bar in short, and in `--once`.
 */

/** "MAIN 1+1 NET 2+1": stations here + on other servers, per room (the table's title). */
export function roomsSummary(rooms: readonly RoomStats[]): string {
  return rooms.map((r) => `${r.name} ${r.stations}${r.remote_stations > 0 ? `+${r.remote_stations}` : ''}`).join(' ');
}

/**
 * The rooms as a table with its header, fitted to `width` columns: name and port,
 * stations here and on other servers, traffic (per second when rates are known,
 * totals otherwise), and who talks when there is room for it (the station table says
 * so too). Columns are dropped from the right rather than cut.
 */
export function roomTable(rooms: readonly RoomStats[], rates: (room: string) => RoomRates | undefined, width = Infinity): string[] {
  const perS = rooms.some((r) => rates(r.name) !== undefined);
  const names = rooms.map((r) => `${r.name}${r.port === null ? '' : `:${r.port}`}`);
  const nameW = Math.max(4, ...names.map((n) => n.length));
  const num = (v: number): string => (perS ? v.toFixed(1) : formatCompact(v));
  const cols: { title: string; w: number; right: boolean; cell: (r: RoomStats, i: number) => string }[] = [
    { title: 'ROOM', w: nameW, right: false, cell: (_r, i) => names[i]! },
    { title: 'HERE', w: 4, right: true, cell: (r) => String(r.stations) },
    { title: 'REMOTE', w: 6, right: true, cell: (r) => String(r.remote_stations) },
    { title: perS ? 'RX/s' : 'RX', w: 7, right: true, cell: (r) => num(rates(r.name)?.received ?? r.frames_received) },
    { title: perS ? 'FWD/s' : 'FWD', w: 7, right: true, cell: (r) => num(rates(r.name)?.forwarded ?? r.frames_forwarded) },
    { title: perS ? 'LINK/s' : 'LINK', w: 7, right: true, cell: (r) => num(rates(r.name)?.fromInterlink ?? r.frames_from_interlink) },
  ];
  const shown: typeof cols = [];
  let used = 0;
  for (const c of cols) {
    const w = c.w + (shown.length > 0 ? 1 : 0);
    if (used + w > width && shown.length > 0) break;
    shown.push(c);
    used += w;
  }
  const talkW = Number.isFinite(width) ? width - used - 1 : Math.max(7, ...rooms.map((r) => r.talking.join(' ').length));
  const talking = rooms.some((r) => r.talking.length > 0) || !Number.isFinite(width);
  const talkFits = talking && rooms.every((r) => r.talking.join(' ').length <= talkW) && talkW >= 7;
  const line = (cells: string[], talk: string): string =>
    [...cells.map((v, i) => (shown[i]!.right ? v.padStart(shown[i]!.w) : v.padEnd(shown[i]!.w))), ...(talkFits ? [talk] : [])].join(' ').trimEnd();
  return [line(shown.map((c) => c.title), 'TALKING'), ...rooms.map((r, i) => line(shown.map((c) => c.cell(r, i)), r.talking.join(' ')))];
}

/** The interlink's state in a few words: "● connected to 10.0.0.1:4222, 2 peers" or "✖ reconnecting (…), 0 peers". */
export function interlinkShort(l: InterlinkStats): string {
  return `${l.connected ? '●' : '✖'} ${l.state}, ${l.peers.length} peer${l.peers.length === 1 ? '' : 's'}`;
}

/** The interlink in full: this server's id, state, peers, counters (short lines: the figures panel is narrow). */
export function interlinkLines(l: InterlinkStats): string[] {
  const peers = l.peers.map((p) => `${p.server_id} (${p.stations} st, ${formatDuration(p.last_seen_s)} ago)`).join(', ') || '-';
  return [
    `Interlink ${l.server_id} ${l.connected ? '●' : '✖'} ${l.state}`,
    // The state words usually name the NATS server; when they do not, say which.
    ...(l.state.includes(l.nats_server) ? [] : [`  nats ${l.nats_server}`]),
    `  peers ${peers}`,
    `  pub ${formatCount(l.frames_published)} rcv ${formatCount(l.frames_received)} unpub ${formatCount(l.frames_not_published)} rej ${formatCount(l.frames_rejected)}`,
    `  reconnects ${formatCount(l.reconnects)}, subscribed ${l.subscribed_rooms.join(' ') || '-'}`,
  ];
}

/** Rooms and interlink lines for a panel or `--once`; empty for a lone server with one room unless `showRooms` (a view filtered to a room). */
export function roomsAndLinkLines(stats: ServerStats, rates: (room: string) => RoomRates | undefined, showRooms = false, width = Infinity): string[] {
  const out: string[] = [];
  if (stats.rooms.length > 0 && (showRooms || stats.rooms.length > 1 || stats.interlink !== null || stats.remote_stations.length > 0)) {
    out.push(...roomTable(stats.rooms, rates, width));
  }
  if (stats.interlink) out.push(...interlinkLines(stats.interlink));
  return out;
}
