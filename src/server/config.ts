import { DEFAULT_SERVER_PORT } from '../protocol/index.js';
import { DEFAULT_STATS_PORT } from '../contract/stats.js';
import { OpvError } from '../errors.js';
import { DEFAULT_ROOM, MAX_SERVER_ROOMS } from '../protocol/ext.js';
import { DEFAULT_UDP_BUFFER_BYTES, DEFAULT_UDP_RCVBUF_BYTES } from './socket-stats.js';
import { DEFAULT_GUARD_LIMITS, type GuardLimits } from './stats-guard.js';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from './alerts.js';

export type LogFormat = 'human' | 'json';

export interface ServerConfig {
  /** UDP bind address; '::' is dual-stack (falls back to 0.0.0.0 without IPv6). */
  host: string;
  port: number;
  /** Seconds of silence before a station is dropped. */
  timeoutS: number;
  verbose: boolean;
  statsIntervalS: number;
  logFormat: LogFormat;
  /** null: return frames to the sending address:port (NAT-friendly). A number: reference behaviour, station IP at this port. */
  referenceReturnPort: number | null;
  maxStations: number;
  /** Per-endpoint token bucket: sustained frames/s and burst size. */
  rateFps: number;
  burst: number;
  /** Seconds a callsign's endpoint must be silent before another endpoint may take it over. */
  hijackHoldDownS: number;
  allow: string[];
  deny: string[];
  aclFile: string | null;
  /** Where the ban list lives (bans.json); null: $STATE_DIRECTORY or ~/.local/state/opv. */
  stateDir: string | null;
  /** Seconds a kicked station is kept out. */
  kickHoldDownS: number;
  /** Station authentication: off, optional (listed callsigns protected) or required (every callsign). */
  auth: 'off' | 'optional' | 'required';
  /** The authorized-keys file (CALL ed25519 <key> [comment]); null: no callsign is protected. */
  authorizedKeys: string | null;
  /** Rooms besides the main port's (DEFAULT_ROOM): a port for reference stations, or null (chosen by name only). */
  rooms: RoomConfig[];
  /** Interlinking with other opv servers over NATS; null: this server runs alone. */
  interlink: InterlinkConfig | null;
  /** Alert thresholds (alerts.ts). */
  alerts: AlertThresholds;
  /** Send buffer asked for each relay UDP socket (bytes). */
  udpBufferBytes: number;
  /** Receive buffer asked for each relay UDP socket (bytes). */
  udpRcvbufBytes: number;
  /** maxEventClients: Server-Sent Events streams served at once; more get 503. */
  stats: { enabled: boolean; host: string; port: number; token: string | null; maxEventClients: number; guard: GuardLimits };
}

export interface RoomConfig {
  name: string;
  port: number | null;
}

export interface InterlinkConfig {
  /** NATS URLs (credentials or a token in the URL pass through to the client). */
  servers: string[];
  /** This server's name on the network: NATS subject token and what other servers show. */
  serverId: string;
  credsFile: string | null;
  tlsCa: string | null;
  tlsCert: string | null;
  tlsKey: string | null;
  /** signed: only messages signed by a key in the peers file are believed; open: any NATS publisher is. */
  trust: 'signed' | 'open';
  /** This server's private key (opv keygen --server); required when signed. */
  serverKey: string | null;
  /** The peers file (`ID ed25519 <key> [comment]` lines); required when signed. */
  peersFile: string | null;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '::',
  port: DEFAULT_SERVER_PORT,
  timeoutS: 300,
  verbose: false,
  statsIntervalS: 60,
  logFormat: 'human',
  referenceReturnPort: null,
  maxStations: 500,
  rateFps: 50,
  burst: 100,
  hijackHoldDownS: 15,
  allow: [],
  deny: [],
  aclFile: null,
  stateDir: null,
  kickHoldDownS: 60,
  auth: 'optional',
  authorizedKeys: null,
  rooms: [],
  interlink: null,
  udpBufferBytes: DEFAULT_UDP_BUFFER_BYTES,
  udpRcvbufBytes: DEFAULT_UDP_RCVBUF_BYTES,
  alerts: DEFAULT_ALERT_THRESHOLDS,
  stats: { enabled: true, host: '127.0.0.1', port: DEFAULT_STATS_PORT, token: null, maxEventClients: 64, guard: DEFAULT_GUARD_LIMITS },
};

export class ConfigError extends OpvError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_CONFIG', message, options);
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Refuses combinations that would expose the server or make no sense. */
export function validateServerConfig(c: ServerConfig): void {
  if (c.stats.enabled && !isLoopbackHost(c.stats.host) && !c.stats.token) {
    throw new ConfigError(`--stats-host ${c.stats.host} is not loopback: set --stats-token (or OPV_STATS_TOKEN) to protect it`);
  }
  // Port 0 asks the kernel for a free port: two zeros never collide.
  if (c.stats.enabled && c.stats.port !== 0 && c.stats.port === c.port) {
    throw new ConfigError(`--stats-port ${c.stats.port} is the relay port; choose another`);
  }
  if (c.rooms.length + 1 > MAX_SERVER_ROOMS) throw new ConfigError(`at most ${MAX_SERVER_ROOMS} rooms per server (--room given ${c.rooms.length} times)`);
  const names = new Set<string>([DEFAULT_ROOM]);
  const ports = new Set<number>([c.port]);
  for (const r of c.rooms) {
    if (names.has(r.name)) throw new ConfigError(r.name === DEFAULT_ROOM ? `--room ${r.name}: ${DEFAULT_ROOM} is the main port's room` : `--room ${r.name} is given twice`);
    names.add(r.name);
    if (r.port === null || r.port === 0) continue;
    if (ports.has(r.port)) throw new ConfigError(`--room ${r.name}:${r.port}: port ${r.port} is ${r.port === c.port ? 'the main port' : 'already bound to another room'}`);
    if (c.stats.enabled && r.port === c.stats.port) throw new ConfigError(`--room ${r.name}:${r.port}: port ${r.port} is the stats port`);
    ports.add(r.port);
  }
}
