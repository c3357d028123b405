import type { InterlinkStats, RoomStats, ServerStats } from '../../contract/stats.js';
import { formatCount, formatDuration } from '../format.js';
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
 * One line per room, short enough for the figures panel: name and port, stations here
 * + on other servers, traffic (frames/s rx fwd link when rates are known, totals
 * otherwise), who talks.
 */
export function roomLines(rooms: readonly RoomStats[], rates: (room: string) => RoomRates | undefined): string[] {
  return rooms.map((r) => {
    const rate = rates(r.name);
    const port = r.port === null ? '' : `:${r.port}`;
    const traffic = rate
      ? `${rate.received.toFixed(1)} ${rate.forwarded.toFixed(1)} ${rate.fromInterlink.toFixed(1)}/s`
      : `rx ${formatCount(r.frames_received)} fwd ${formatCount(r.frames_forwarded)} link ${formatCount(r.frames_from_interlink)}`;
    const talking = r.talking.length > 0 ? ` ▶ ${r.talking.join(' ')}` : '';
    return `${`${r.name}${port}`.padEnd(11)} ${`${r.stations}+${r.remote_stations}`.padEnd(5)} ${traffic}${talking}`;
  });
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
export function roomsAndLinkLines(stats: ServerStats, rates: (room: string) => RoomRates | undefined, showRooms = false): string[] {
  const out: string[] = [];
  if (stats.rooms.length > 0 && (showRooms || stats.rooms.length > 1 || stats.interlink !== null || stats.remote_stations.length > 0)) {
    const perS = stats.rooms.some((r) => rates(r.name) !== undefined);
    out.push(`Rooms      here+remote${perS ? '  rx fwd link' : ''}`, ...roomLines(stats.rooms, rates).map((l) => `  ${l}`));
  }
  if (stats.interlink) out.push(...interlinkLines(stats.interlink));
  return out;
}
