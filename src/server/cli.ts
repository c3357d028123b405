import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ROOM, isServerId, normaliseRoom, ROOM_NAME_MAX } from '../protocol/ext.js';
import { STATS_TOKEN_ENV } from '../contract/stats.js';
import { DEFAULT_SERVER_PORT, tryEncodeCallsign } from '../protocol/index.js';
import { intInRange, list, oneOf, portOrAny, positiveNumber } from '../util/cli-parse.js';
import { ConfigError, DEFAULT_SERVER_CONFIG, validateServerConfig, type InterlinkConfig, type LogFormat, type RoomConfig, type ServerConfig } from './config.js';
import { OperatorLog } from './log.js';
import type { Network } from './network.js';
import { ConferenceServer } from './server.js';
import { StatsHttp } from './stats-http.js';
import { natsUrlsWithCredentials, statsToken } from './secrets.js';
import { natsUrlsFlag } from './nats-settings.js';
import { addDebugOptions, setupDebugLog } from '../util/debug-log.js';
import { addOpsOptions, alertThresholds, guardLimits, reportBuffers, type OpsFlags } from './cli-ops.js';

interface ServerFlags extends OpsFlags {
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
  statsTokenFile?: string;
  natsUserFile?: string;
  maxEventClients: number;
  room: RoomConfig[];
  nats?: string[];
  serverId?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  serverKey?: string;
  peers?: string;
  interlinkTrust?: 'signed' | 'open';
  debug?: boolean | string;
  debugFile?: string;
}

/** `--room NAME` (chosen by name) or `--room NAME:PORT` (also reachable by its own UDP port), repeatable. */
function roomFlag(v: string, prev: RoomConfig[] = []): RoomConfig[] {
  const m = /^([^:]+)(?::(.*))?$/.exec(v.trim());
  const name = m ? normaliseRoom(m[1]!) : null;
  if (!m || name === null) throw new InvalidArgumentError(`--room "${v}": a room name is letters, digits and -, at most ${ROOM_NAME_MAX} characters (NAME or NAME:PORT)`);
  if (m[2] === undefined) return [...prev, { name, port: null }];
  const port = portOrAny(`--room ${name}: the port`, 1024)(m[2]);
  return [...prev, { name, port }];
}

export function serverCommand(): Command {
  const d = DEFAULT_SERVER_CONFIG;
  return addDebugOptions(addOpsOptions(new Command('server')), 'server', 'stderr; the operator log on stdout is unchanged')
    .description('run the conference relay (UDP) with its stats channel (HTTP)')
    .option('-H, --host <address>', 'UDP bind address (:: is dual-stack IPv4+IPv6)', d.host)
    .option('-p, --port <port>', 'UDP port (0: any free port, reported at start)', portOrAny('--port', 1024), d.port)
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
    .option('--stats-port <port>', 'stats channel TCP port (0: any free port, reported at start)', portOrAny('--stats-port', 1), d.stats.port)
    .option('--stats-token-file <file>', `file holding the bearer token for the stats channel and admin actions (or ${STATS_TOKEN_ENV})`)
    .option('--stats-token <token>', `the token itself (visible in ps: prefer --stats-token-file or ${STATS_TOKEN_ENV})`)
    .option('--room <NAME[:PORT]>', `another room (conference) on this server, chosen by name; with :PORT also by that UDP port (for reference stations; :0 any free port, reported at start). Repeatable; the main port is room ${DEFAULT_ROOM}`, roomFlag, [])
    .option('--nats <urls>', 'interlink with other opv servers over NATS (comma-separated URLs of one cluster, e.g. nats://127.0.0.1:4222)', natsUrlsFlag)
    .option('--server-id <name>', "this server's name on the NATS network (letters, digits, -; default: the host name)")
    .option('--nats-creds <file>', 'NATS credentials file (JWT + NKey)')
    .option('--nats-user-file <file>', 'file with the NATS user:password (or a token) on one line, kept out of the command line')
    .option('--nats-tls-ca <file>', 'CA certificate to verify the NATS server')
    .option('--nats-tls-cert <file>', 'client certificate for NATS (with --nats-tls-key)')
    .option('--nats-tls-key <file>', 'client key for NATS')
    .option('--server-key <file>', "this server's private key for the interlink (from opv keygen --server ID --out FILE)")
    .option('--peers <file>', 'public keys of the servers of the network ("ID ed25519 <key> [comment]" lines), re-read when it changes and on SIGHUP')
    .addOption(
      new Option('--interlink-trust <mode>', 'signed (default: only messages signed by a key in --peers are believed) or open (any NATS publisher is believed)').argParser(
        oneOf('--interlink-trust', ['signed', 'open'] as const),
      ),
    )
    .option('--max-event-clients <n>', 'live event streams (/api/v1/events) served at once; more are refused with 503', intInRange('--max-event-clients', 1, 10000), d.stats.maxEventClients)
    .action(async (flags: ServerFlags) => {
      setupDebugLog({ debug: flags.debug, file: flags.debugFile, fullScreen: false, app: 'server' });
      const token = statsToken(flags);
      const warnings = [token.warning];
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
        rooms: flags.room,
        interlink: interlinkConfig(flags),
        udpBufferBytes: flags.udpBuffer,
        udpRcvbufBytes: flags.udpRcvbuf,
        alerts: alertThresholds(flags),
        stats: {
          enabled: flags.stats,
          host: flags.statsHost,
          port: flags.statsPort,
          token: token.value,
          maxEventClients: flags.maxEventClients,
          guard: guardLimits(flags),
        },
      };
      for (const c of [...config.allow, ...config.deny]) {
        const r = tryEncodeCallsign(c);
        if (!r.ok) throw new ConfigError(`--allow/--deny: ${r.error.message}`);
      }
      await runServer(config, warnings.concat(interlinkWarning(flags)).filter((w): w is string => w !== null));
    });
}

function interlinkWarning(flags: ServerFlags): string | null {
  return flags.nats === undefined ? null : natsUrlsWithCredentials(flags.nats, undefined).warning;
}

function interlinkConfig(flags: ServerFlags): InterlinkConfig | null {
  const natsOnly = ['serverId', 'natsCreds', 'natsUserFile', 'natsTlsCa', 'natsTlsCert', 'natsTlsKey', 'serverKey', 'peers', 'interlinkTrust'] as const;
  if (flags.nats === undefined) {
    const stray = natsOnly.find((k) => flags[k] !== undefined);
    if (stray !== undefined) throw new ConfigError(`--${stray.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --nats`);
    return null;
  }
  if ((flags.natsTlsCert === undefined) !== (flags.natsTlsKey === undefined)) throw new ConfigError('--nats-tls-cert and --nats-tls-key go together');
  const serverId = flags.serverId ?? hostname().split('.')[0]!.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+/, '').slice(0, 32);
  if (!isServerId(serverId)) {
    throw new ConfigError(flags.serverId === undefined ? `the host name does not make a server id: set --server-id` : `--server-id "${serverId}": letters, digits and -, at most 32 characters, starting with a letter or digit`);
  }
  return {
    servers: natsUrlsWithCredentials(flags.nats, flags.natsUserFile).urls,
    serverId,
    credsFile: flags.natsCreds ?? null,
    tlsCa: flags.natsTlsCa ?? null,
    tlsCert: flags.natsTlsCert ?? null,
    tlsKey: flags.natsTlsKey ?? null,
    ...interlinkTrust(flags),
  };
}

/** Signed unless the sysop says open on purpose; signed needs both files. */
function interlinkTrust(flags: ServerFlags): Pick<InterlinkConfig, 'trust' | 'serverKey' | 'peersFile'> {
  const trust = flags.interlinkTrust ?? 'signed';
  if (trust === 'open') {
    if (flags.serverKey !== undefined || flags.peers !== undefined) throw new ConfigError('--interlink-trust open checks no signatures: leave out --server-key and --peers (or drop --interlink-trust open)');
    return { trust, serverKey: null, peersFile: null };
  }
  if (flags.serverKey === undefined || flags.peers === undefined) {
    const missing = [flags.serverKey === undefined ? '--server-key FILE' : null, flags.peers === undefined ? '--peers FILE' : null].filter(Boolean).join(' and ');
    throw new ConfigError(`--nats needs ${missing} (make keys with opv keygen --server ID), or --interlink-trust open to believe any NATS publisher`);
  }
  return { trust, serverKey: flags.serverKey, peersFile: flags.peers };
}

/** Each room with the UDP port it actually bound (null: chosen by name only). */
function roomPorts(server: ConferenceServer): { room: string; port: number | null }[] {
  return [...server.rooms.values()].map((r) => ({ room: r.name, port: r.port }));
}

export async function runServer(config: ServerConfig, warnings: string[] = []): Promise<void> {
  validateServerConfig(config);
  const log = new OperatorLog(config.logFormat, config.verbose);
  for (const w of warnings) log.warn(w);
  const server = new ConferenceServer(config, log);
  // A bad authorized-keys file at start is an error of one line; later, a bad edit keeps the old keys.
  server.loadKeys();
  try {
    await server.start();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(
      err.code === 'EADDRINUSE' ? `UDP port ${config.port} is already in use (another server running?)` : `cannot listen on UDP ${config.host}:${config.port}: ${err.message}`,
    );
  }
  let stats: StatsHttp | null = null;
  if (config.stats.enabled) {
    stats = new StatsHttp(server, config.stats.token, { maxEventClients: config.stats.maxEventClients, guard: config.stats.guard });
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
  log.banner({
    listen,
    udpPort: server.boundPort,
    timeoutS: config.timeoutS,
    statsUrl: stats ? `http://${statsHost}:${stats.port}/api/v1/stats` : null,
    statsPort: stats?.port ?? null,
    returnMode: config.referenceReturnPort === null ? 'to each station\'s source address:port' : `to each station's IP at port ${config.referenceReturnPort} (reference mode)`,
    rooms: roomPorts(server),
  });
  reportBuffers(log, server.bufferGrant);
  // After the stats channel: a bad creds or TLS file is still a one-line error, and NATS
  // being down never stops the relay from starting (the link retries by itself).
  let network: Network | null = null;
  if (config.interlink !== null) {
    try {
      // Loaded only for a networked server: the NATS client is a fifth of a lone server's start-up.
      const { Network } = await import('./network.js');
      network = Network.create(server, config.interlink, log);
    } catch (e) {
      await Promise.all([server.close(), stats?.close()]);
      throw e;
    }
    if (network.trustOpen) log.warn(network.trustWords);
    else log.info(network.trustWords);
    await network.start();
  }
  if (server.rooms.size > 1) log.rooms(roomPorts(server));
  server.watchKeys();
  log.ready();

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log.shutdown(signal);
      log.statistics(server.snapshot(), true);
      server.unwatchKeys();
      void Promise.all([network?.close(), server.close(), stats?.close()]).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', () => {
      server.reloadAcl();
      server.reloadKeys();
      network?.reloadPeers();
    });
  });
}
