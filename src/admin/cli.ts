import { Command, InvalidArgumentError } from 'commander';
import { normaliseRoom, ROOM_NAME_MAX } from '../protocol/ext.js';
import { DEFAULT_STATS_PORT, STATS_TOKEN_ENV } from '../contract/stats.js';
import { OpvError } from '../errors.js';
import { DECODE_ERROR_MIN_COUNT, DECODE_ERROR_RATE_LIMIT, TIMEOUT_MIN_COUNT, TIMEOUT_RATE_LIMIT } from './health.js';
import { addDebugOptions, setupDebugLog } from '../util/debug-log.js';
import { KEY_HELP } from './keys.js';

interface AdminFlags {
  url: string;
  token?: string;
  once: boolean;
  json: boolean;
  debug?: boolean | string;
  debugFile?: string;
  room?: string;
}

export function adminCommand(): Command {
  return addDebugOptions(new Command('admin'), 'admin', 'stderr with --once/--json, ~/.local/state/opv/admin-debug.log for the dashboard')
    .description("the sysop's live dashboard of a running `opv server` (its stats channel)")
    .option('--url <url>', 'the server\'s stats channel', `http://127.0.0.1:${DEFAULT_STATS_PORT}`)
    .option('--token <token>', `bearer token (the server's --stats-token; or set ${STATS_TOKEN_ENV})`)
    .option('--once', 'print one plain-text snapshot and exit', false)
    .option('--json', 'print the raw stats JSON once and exit', false)
    .option('--room <name>', 'show only this room (the dashboard starts filtered; key f changes it)', parseRoomFlag)
    .addHelpText(
      'after',
      [
        '',
        `Keys: ${KEY_HELP} (? or F1 in the dashboard lists them all).`,
        'f cycles the room filter: all rooms, then each room of the server (table and events).',
        'Stations on other interlinked servers show "@server" as their endpoint.',
        'Sort keys cycle: callsign, endpoint, state (talking first), frames, kbit/s, last heard, timeout.',
        '',
        'Health warnings (dashboard: last 5 minutes; --once: since the server started):',
        `  high decode-error rate: over ${DECODE_ERROR_RATE_LIMIT * 100}% of datagrams undecodable (at least ${DECODE_ERROR_MIN_COUNT} errors)`,
        `  high timeout rate: over ${TIMEOUT_RATE_LIMIT * 100}% of stations timed out (at least ${TIMEOUT_MIN_COUNT})`,
        '',
        'The connection is retried with backoff (0.5 s doubling to 5 s) while the server is away;',
        'a wrong or missing token ends the dashboard with the reason (exit status 1).',
      ].join('\n'),
    )
    .action(async (flags: AdminFlags) => {
      const dashboard = !flags.once && !flags.json;
      setupDebugLog({ debug: flags.debug, file: flags.debugFile, fullScreen: dashboard && process.stdout.isTTY === true, app: 'admin' });
      const token = flags.token ?? process.env[STATS_TOKEN_ENV] ?? null;
      // Loaded here, not above: `opv admin --help` must not need blessed.
      const { StatsClient } = await import('./client.js');
      const client = new StatsClient({ url: flags.url, token });
      if (flags.once || flags.json) {
        const { runOnce } = await import('./once.js');
        await runOnce(client, flags.json, (t) => process.stdout.write(t), flags.room ?? null);
        return;
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new OpvError('OPV_NO_TERMINAL', 'the dashboard needs a terminal: use --once or --json in scripts');
      }
      const { runDashboard } = await import('./dashboard.js');
      await runDashboard(client, flags.room ?? null);
    });
}

function parseRoomFlag(v: string): string {
  const room = normaliseRoom(v);
  if (room === null) throw new InvalidArgumentError(`"${v}" is not a room name (letters, digits and -, up to ${ROOM_NAME_MAX})`);
  return room;
}
