import { Command } from 'commander';
import { DEFAULT_STATS_PORT, STATS_TOKEN_ENV } from '../contract/stats.js';
import { StatsClient } from './client.js';
import { runDashboard } from './dashboard.js';
import { ExtAdminClient } from './ext-client.js';
import { DECODE_ERROR_MIN_COUNT, DECODE_ERROR_RATE_LIMIT, TIMEOUT_MIN_COUNT, TIMEOUT_RATE_LIMIT } from './health.js';
import { runOnce } from './once.js';
import { KEY_HELP } from './panels/status-bar.js';

interface AdminFlags {
  url: string;
  token?: string;
  once: boolean;
  json: boolean;
}

export function adminCommand(): Command {
  return new Command('admin')
    .description("the sysop's live dashboard of a running `opv server` (its stats channel)")
    .option('--url <url>', 'the server\'s stats channel', `http://127.0.0.1:${DEFAULT_STATS_PORT}`)
    .option('--token <token>', `bearer token (the server's --stats-token; or set ${STATS_TOKEN_ENV})`)
    .option('--once', 'print one plain-text snapshot and exit', false)
    .option('--json', 'print the raw stats JSON once and exit', false)
    .addHelpText(
      'after',
      [
        '',
        `Keys: ${KEY_HELP} (PgUp/PgDn/Home/End scroll the station table).`,
        'Sort keys cycle: callsign, endpoint, state (talking first), frames, kbit/s, last heard, timeout.',
        '',
        'Health warnings (dashboard: last 5 minutes; --once: since the server started):',
        `  high decode-error rate: over ${DECODE_ERROR_RATE_LIMIT * 100}% of datagrams undecodable (at least ${DECODE_ERROR_MIN_COUNT} errors)`,
        `  high timeout rate: over ${TIMEOUT_RATE_LIMIT * 100}% of stations timed out (at least ${TIMEOUT_MIN_COUNT})`,
        '',
        'The connection is retried with backoff (0.5 s doubling to 5 s) while the server is away.',
      ].join('\n'),
    )
    .action(async (flags: AdminFlags) => {
      const token = flags.token ?? process.env[STATS_TOKEN_ENV] ?? null;
      const client = new StatsClient({ url: flags.url, token });
      if (flags.once || flags.json) {
        await runOnce(client, flags.json, (t) => process.stdout.write(t));
        return;
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new Error('the dashboard needs a terminal: use --once or --json in scripts');
      }
      await runDashboard(client, new ExtAdminClient(flags.url, token));
    });
}
