import type { ServerEvent } from '../contract/stats.js';
import type { AccessList } from './acl.js';
import type { AdmissionGate } from './admission.js';
import type { StationAuthority } from './auth.js';
import type { ServerConfig } from './config.js';
import type { Holds } from './holds.js';
import type { Inspector } from './inspector.js';
import type { OperatorLog } from './log.js';
import type { NetworkView, Uplink } from './network-port.js';
import type { Presence } from './presence.js';
import type { RateLimiter } from './rate-limit.js';
import type { Registry } from './registry.js';
import type { UdpTransport } from './transport.js';

export interface Counters {
  framesReceived: number;
  framesForwarded: number;
  decodeErrors: number;
  rateLimited: number;
  timedOut: number;
  hijacksRefused: number;
  echoes: number;
  /** Frames of protected callsigns refused for want of an authenticated session. */
  authRefused: number;
  /** Frames from other servers not relayed: not a frame, an unknown room, or a callsign that is the server's or one of this server's own. */
  remoteRejected: number;
}

export function newCounters(): Counters {
  return { framesReceived: 0, framesForwarded: 0, decodeErrors: 0, rateLimited: 0, timedOut: 0, hijacksRefused: 0, echoes: 0, authRefused: 0, remoteRejected: 0 };
}

/**
 * The server's side of the interlink, null while this server runs alone. Set once by
 * attachNetwork; every part reads it through this one object, so none holds a stale copy.
 */
export interface NetworkLink {
  /** Frames of local stations go out here too, after the local fan-out. */
  uplink: Uplink | null;
  /** The other servers' stations (shared presence). */
  view: NetworkView | null;
}

/**
 * Tells the world about something that happened: `logIt` writes the operator's line, then
 * the stations that speak the extension and the stats channel hear the event.
 */
export type EmitEvent = (e: ServerEvent, logIt: () => void) => void;

/**
 * The state the server's parts share, built once by the composition root (server.ts).
 * Each part takes a Pick of it, so its constructor says what it touches.
 */
export interface ServerParts {
  config: ServerConfig;
  log: OperatorLog;
  /** The one clock: every time decision of the relay reads it (tests inject a fake). */
  now: () => number;
  counters: Counters;
  registry: Registry;
  gate: AdmissionGate;
  inspector: Inspector;
  limiter: RateLimiter;
  acl: AccessList;
  holds: Holds;
  auth: StationAuthority;
  presence: Presence;
  transport: UdpTransport;
  net: NetworkLink;
  event: EmitEvent;
  /** A frame from `source` refused by the rate limit (the flood alert counts them; alerts.ts). */
  refused: (source: string) => void;
}
