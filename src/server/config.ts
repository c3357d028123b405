import { DEFAULT_SERVER_PORT } from '../protocol/index.js';
import { DEFAULT_STATS_PORT } from '../contract/stats.js';
import { OpvError } from '../errors.js';

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
  /** maxEventClients: Server-Sent Events streams served at once; more get 503. */
  stats: { enabled: boolean; host: string; port: number; token: string | null; maxEventClients: number };
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
  stats: { enabled: true, host: '127.0.0.1', port: DEFAULT_STATS_PORT, token: null, maxEventClients: 64 },
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
  if (c.stats.enabled && c.stats.port === c.port) {
    throw new ConfigError(`--stats-port ${c.stats.port} is the relay port; choose another`);
  }
}
