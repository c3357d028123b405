import type { ServerStats } from '../contract/stats.js';
import type { StatsClient } from './client.js';
import { fit, fitRight, formatCount, formatDuration, stateText } from './format.js';
import { assessHealth } from './health.js';
import { sortRows } from './model.js';
import { figureLines } from './panels/server-figures.js';
import { inert } from '../util/inert-text.js';

/**
 * `opv admin --once`: one plain-text snapshot for scripts and cron (health judged on
 * the totals since the server started), or with `--json` the stats exactly as the
 * server sent them.
 */
export function formatSnapshot(stats: ServerStats, url: string): string {
  const health = assessHealth({
    framesReceived: stats.frames_received,
    decodeErrors: stats.decode_errors,
    timeouts: stats.timed_out_stations,
    activeStations: stats.active_stations,
  });
  const out = [`opv server at ${url}`, ...figureLines(stats, health, undefined, 'since start')];
  out.push(...(health.warnings.length > 0 ? health.warnings.map((w) => `WARNING: ${w.message}`) : ['Health          ok']));
  out.push('');
  if (stats.stations.length === 0) {
    out.push('No stations.');
  } else {
    const w = Math.max(8, ...stats.stations.map((s) => s.endpoint.length));
    out.push(`${fit('CALLSIGN', 10)} ${fit('ENDPOINT', w)} ${fit('STATE', 7)} ${'FRAMES'.padStart(11)} ${'BYTES'.padStart(14)} ${fitRight('HEARD', 10)} ${fitRight('TIMEOUT', 8)}`);
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
      })),
      'callsign',
    );
    for (const r of rows) {
      out.push(
        [
          fit(r.callsign, 10),
          fit(r.endpoint, w),
          fit(stateText(r), 7),
          formatCount(r.frames).padStart(11),
          formatCount(r.bytes).padStart(14),
          fitRight(`${formatDuration(r.lastSeenS)} ago`, 10),
          fitRight(formatDuration(r.timeoutInS), 8),
        ].join(' '),
      );
    }
  }
  // Whatever the server relays is shown, never interpreted by the terminal or a pager.
  return out.map(inert).join('\n') + '\n';
}

/** Fetches once and writes the result; a failure throws a StatsClientError (one line). */
export async function runOnce(client: StatsClient, json: boolean, write: (text: string) => void): Promise<void> {
  const { value, text } = await client.fetchStatsRaw();
  write(json ? (text.endsWith('\n') ? text : text + '\n') : formatSnapshot(value, client.url));
}
