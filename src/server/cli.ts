import { Command, Option } from 'commander';
import { STATS_TOKEN_ENV } from '../contract/stats.js';
import { DEFAULT_SERVER_PORT, tryEncodeCallsign } from '../protocol/index.js';
import { intInRange, list, oneOf, positiveNumber } from '../util/cli-parse.js';
import { ConfigError, DEFAULT_SERVER_CONFIG, validateServerConfig, type LogFormat, type ServerConfig } from './config.js';
import { OperatorLog } from './log.js';
import { ConferenceServer } from './server.js';
import { StatsHttp } from './stats-http.js';

interface ServerFlags {
  host: string;
  port: number;
  timeout: number;
  verbose: boolean;
  statsInterval: number;
  logFormat: LogFormat;
  referenceReturnPort?: number | true;
  maxStations: number;
  rate: number;
  burst: number;
  hijackHolddown: number;
  allow: string[];
  deny: string[];
  aclFile?: string;
  stateDir?: string;
  kickHolddown: number;
  auth: 'off' | 'optional' | 'required';
  authorizedKeys?: string;
  stats: boolean;
  statsHost: string;
  statsPort: number;
  statsToken?: string;
  maxEventClients: number;
}

export function serverCommand(): Command {
  const d = DEFAULT_SERVER_CONFIG;
  return new Command('server')
    .description('run the conference relay (UDP) with its stats channel (HTTP)')
    .option('-H, --host <address>', 'UDP bind address (:: is dual-stack IPv4+IPv6)', d.host)
    .option('-p, --port <port>', 'UDP port', intInRange('--port', 1024, 65535), d.port)
    .option('-t, --timeout <seconds>', 'drop a station after this many silent seconds', intInRange('--timeout', 1, 86400), d.timeoutS)
    .option('-v, --verbose', 'log every frame and dropped datagram', false)
    .option('--stats-interval <seconds>', 'periodic statistics every N seconds (0: off)', intInRange('--stats-interval', 0, 86400), d.statsIntervalS)
    .addOption(new Option('--log-format <format>', 'human or json (journald/Loki)').default('human').argParser(oneOf('--log-format', ['human', 'json'] as const)))
    .option(
      '--reference-return-port [port]',
      `send frames to each station's IP at this fixed port (reference behaviour, for Python reference stations; default port ${DEFAULT_SERVER_PORT}) instead of the address:port it sends from`,
      intInRange('--reference-return-port', 1, 65535),
    )
    .option('--max-stations <n>', 'refuse new stations beyond this many', intInRange('--max-stations', 1, 100000), d.maxStations)
    .option('--rate <fps>', 'per-source sustained frames/s (stations send 25)', positiveNumber('--rate'), d.rateFps)
    .option('--burst <frames>', 'per-source burst allowance', positiveNumber('--burst'), d.burst)
    .option('--hijack-holddown <seconds>', 'silence needed before a callsign may move to another endpoint', intInRange('--hijack-holddown', 0, 86400), d.hijackHoldDownS)
    .option('--allow <calls>', 'only these callsigns may join (comma-separated, repeatable)', list, [])
    .option('--deny <calls>', 'these callsigns may not join (comma-separated, repeatable)', list, [])
    .option('--acl-file <file>', 'access list file ("allow CALL" / "deny CALL" lines), re-read on SIGHUP')
    .option('--state-dir <dir>', 'where the ban list is kept (default: $STATE_DIRECTORY, else ~/.local/state/opv)')
    .option('--kick-holddown <seconds>', 'how long a kicked station is kept out', intInRange('--kick-holddown', 0, 86400), d.kickHoldDownS)
    .addOption(
      new Option('--auth <mode>', 'station authentication: off, optional (callsigns in --authorized-keys are protected) or required (every callsign needs a key)')
        .default(d.auth)
        .argParser(oneOf('--auth', ['off', 'optional', 'required'] as const)),
    )
    .option('--authorized-keys <file>', 'keys of protected callsigns ("CALL ed25519 <key> [comment]" lines, from opv keygen), re-read when it changes and on SIGHUP')
    .option('--no-stats', 'do not serve the stats channel')
    .option('--stats-host <address>', 'stats channel bind address (non-loopback needs --stats-token)', d.stats.host)
    .option('--stats-port <port>', 'stats channel TCP port', intInRange('--stats-port', 1, 65535), d.stats.port)
    .option('--stats-token <token>', `bearer token for the stats channel and admin actions (or ${STATS_TOKEN_ENV})`)
    .option('--max-event-clients <n>', 'live event streams (/api/v1/events) served at once; more are refused with 503', intInRange('--max-event-clients', 1, 10000), d.stats.maxEventClients)
    .action(async (flags: ServerFlags) => {
      const config: ServerConfig = {
        host: flags.host,
        port: flags.port,
        timeoutS: flags.timeout,
        verbose: flags.verbose,
        statsIntervalS: flags.statsInterval,
        logFormat: flags.logFormat,
        referenceReturnPort: flags.referenceReturnPort === undefined ? null : flags.referenceReturnPort === true ? DEFAULT_SERVER_PORT : flags.referenceReturnPort,
        maxStations: flags.maxStations,
        rateFps: flags.rate,
        burst: flags.burst,
        hijackHoldDownS: flags.hijackHolddown,
        allow: flags.allow,
        deny: flags.deny,
        aclFile: flags.aclFile ?? null,
        stateDir: flags.stateDir ?? null,
        kickHoldDownS: flags.kickHolddown,
        auth: flags.auth,
        authorizedKeys: flags.authorizedKeys ?? null,
        stats: {
          enabled: flags.stats,
          host: flags.statsHost,
          port: flags.statsPort,
          token: flags.statsToken ?? process.env[STATS_TOKEN_ENV] ?? null,
          maxEventClients: flags.maxEventClients,
        },
      };
      for (const c of [...config.allow, ...config.deny]) {
        const r = tryEncodeCallsign(c);
        if (!r.ok) throw new ConfigError(`--allow/--deny: ${r.error.message}`);
      }
      await runServer(config);
    });
}

export async function runServer(config: ServerConfig): Promise<void> {
  validateServerConfig(config);
  const log = new OperatorLog(config.logFormat, config.verbose);
  const server = new ConferenceServer(config, log);
  // A bad authorized-keys file at start is an error of one line; later, a bad edit keeps the old keys.
  server.loadKeys();
  try {
    await server.start();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(
      err.code === 'EADDRINUSE' ? `UDP port ${config.port} is already in use (another server running?)` : `cannot listen on UDP ${config.host}:${config.port}: ${err.message}`,
    );
  }
  let stats: StatsHttp | null = null;
  if (config.stats.enabled) {
    stats = new StatsHttp(server, config.stats.token, { maxEventClients: config.stats.maxEventClients });
    try {
      await stats.listen(config.stats.host, config.stats.port);
    } catch (e) {
      await server.close();
      const err = e as NodeJS.ErrnoException;
      throw new ConfigError(
        err.code === 'EADDRINUSE'
          ? `stats port ${config.stats.port} is already in use (use --stats-port or --no-stats)`
          : `cannot serve stats on ${config.stats.host}:${config.stats.port}: ${err.message}`,
      );
    }
  }
  const listen = server.boundAddress === '::' ? `0.0.0.0:${server.boundPort} (and [::]:${server.boundPort})` : `${server.boundAddress}:${server.boundPort}`;
  const statsHost = config.stats.host.includes(':') ? `[${config.stats.host}]` : config.stats.host;
  log.banner(
    listen,
    config.timeoutS,
    stats ? `http://${statsHost}:${stats.port}/api/v1/stats` : null,
    config.referenceReturnPort === null ? 'to each station\'s source address:port' : `to each station's IP at port ${config.referenceReturnPort} (reference mode)`,
  );
  server.watchKeys();
  log.ready();

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log.shutdown(signal);
      log.statistics(server.snapshot(), true);
      server.unwatchKeys();
      void Promise.all([server.close(), stats?.close()]).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', () => {
      server.reloadAcl();
      server.reloadKeys();
    });
  });
}
