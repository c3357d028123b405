import type { ServerStats } from '../contract/stats.js';
import { StatsClientError, type StatsClient } from './client.js';
import { roomsAndLinkLines } from './panels/rooms.js';
import { filterStatsByRoom, knownRooms } from '../contract/stats-room.js';
import { fit, fitRight, formatCount, formatDuration, stateText } from './format.js';
import { assessHealth } from './health.js';
import { sortRows } from './model.js';
import { figureLines, socketLines } from './panels/server-figures.js';
import { inert } from '../util/inert-text.js';

/**
 * `opv admin --once`: one plain-text snapshot for scripts and cron (health judged on
 * the totals since the server started), or with `--json` the stats exactly as the
 * server sent them.
 */
export function formatSnapshot(stats: ServerStats, url: string, showRooms = false): string {
  const health = assessHealth({
    framesReceived: stats.frames_received,
    decodeErrors: stats.decode_errors,
    timeouts: stats.timed_out_stations,
    activeStations: stats.active_stations,
  });
  const out = [`opv server at ${url}`, ...figureLines(stats, health, undefined, null)];
  out.push(...socketLines(stats));
  out.push(...(health.warnings.length > 0 ? health.warnings.map((w) => `WARNING: ${w.message}`) : ['Health          ok']));
  out.push(...stats.alerts.map((a) => `ALERT: ${a.message} (${a.kind}${a.subject !== null ? ` ${a.subject}` : ''}, for ${formatDuration(a.since_s)})`));
  const rooms = roomsAndLinkLines(stats, () => undefined, showRooms);
  if (rooms.length > 0) out.push('', ...rooms);
  out.push('');
  if (stats.stations.length === 0) {
    out.push('No stations.');
  } else {
    const w = Math.max(8, ...stats.stations.map((s) => s.endpoint.length));
    // The ROOM column only where rooms matter: one conference prints as it always did.
    const roomCol = multiRoom(stats);
    const rw = Math.max(4, ...stats.stations.map((s) => s.room.length));
    const roomCell = (room: string): string[] => (roomCol ? [fit(room, rw)] : []);
    out.push([fit('CALLSIGN', 10), fit('ENDPOINT', w), ...roomCell('ROOM'), fit('STATE', 7), 'FRAMES'.padStart(11), 'BYTES'.padStart(14), fitRight('HEARD', 10), fitRight('TIMEOUT', 8)].join(' '));
    const rows = sortRows(
      stats.stations.map((s) => ({
        callsign: s.callsign,
        endpoint: s.endpoint,
        talking: s.talking,
        authenticated: s.authenticated,
        frames: s.frames,
        bytes: s.bytes,
        kbps: 0,
        lastSeenS: s.last_seen_s,
        timeoutInS: s.timeout_in_s,
        connectedS: s.connected_s,
        room: s.room,
      })),
      'callsign',
    );
    for (const r of rows) {
      out.push(
        [
          fit(r.callsign, 10),
          fit(r.endpoint, w),
          ...roomCell(r.room ?? ''),
          fit(stateText(r), 7),
          formatCount(r.frames).padStart(11),
          formatCount(r.bytes).padStart(14),
          fitRight(`${formatDuration(r.lastSeenS)} ago`, 10),
          fitRight(formatDuration(r.timeoutInS), 8),
        ].join(' '),
      );
    }
  }
  if (stats.remote_stations.length > 0) {
    out.push('', 'On other servers:');
    const sw = Math.max(6, ...stats.remote_stations.map((s) => s.server.length + 1));
    const rw = Math.max(4, ...stats.remote_stations.map((s) => s.room.length));
    out.push(`${fit('CALLSIGN', 10)} ${fit('SERVER', sw)} ${fit('ROOM', rw)} ${fit('STATE', 7)} ${fitRight('ON FOR', 8)} ${fitRight('HEARD', 10)}`);
    const remote = [...stats.remote_stations].sort((a, b) => a.server.localeCompare(b.server) || a.callsign.localeCompare(b.callsign));
    for (const r of remote) {
      out.push(
        [fit(r.callsign, 10), fit(`@${r.server}`, sw), fit(r.room, rw), fit(stateText(r), 7), fitRight(formatDuration(r.connected_s), 8), fitRight(`${formatDuration(r.last_seen_s)} ago`, 10)].join(' '),
      );
    }
  }
  // Whatever the server relays is shown, never interpreted by the terminal or a pager.
  return out.map(inert).join('\n') + '\n';
}

/** Several rooms, or stations on other servers: the room is worth a column. */
function multiRoom(stats: ServerStats): boolean {
  return stats.rooms.length > 1 || stats.remote_stations.length > 0 || new Set(stats.stations.map((s) => s.room)).size > 1;
}

/**
 * The snapshot seen from one room (`--room`): its stations here and elsewhere and its
 * rooms entry; the server's totals stay. A room the server does not have is an error.
 */
export function snapshotForRoom(stats: ServerStats, room: string): ServerStats {
  const known = knownRooms(stats);
  if (!known.includes(room)) throw new StatsClientError('http', `no room ${room} on this server (rooms: ${known.join(' ')})`);
  return filterStatsByRoom(stats, room);
}

/**
 * Fetches once and writes the result; a failure throws a StatsClientError (one line).
 * With `room`, only that room (JSON included: filtered here, so any server version works).
 */
export async function runOnce(client: StatsClient, json: boolean, write: (text: string) => void, room: string | null = null): Promise<void> {
  const { value, text } = await client.fetchStatsRaw();
  if (room === null) {
    write(json ? (text.endsWith('\n') ? text : text + '\n') : formatSnapshot(value, client.url));
    return;
  }
  const view = snapshotForRoom(value, room);
  write(json ? JSON.stringify(view) + '\n' : formatSnapshot(view, `${client.url} (room ${room})`, true));
}
