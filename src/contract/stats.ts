/**
 * The stats channel contract between `opv server` (producer) and `opv admin` and
 * monitoring (consumers). Only types: the admin never imports server internals.
 */

export const STATS_API_PREFIX = '/api/v1';
export const DEFAULT_STATS_PORT = 57380;
/** Environment variable `opv admin` reads the bearer token from. */
export const STATS_TOKEN_ENV = 'OPV_STATS_TOKEN';

export interface StationStats {
  callsign: string;
  /** "ip:port" (IPv6 as "[addr]:port"). */
  endpoint: string;
  frames: number;
  bytes: number;
  last_seen_s: number;
  talking: boolean;
  voice_frames: number;
  text_frames: number;
  control_frames: number;
  /** Seconds since the station registered. */
  connected_s: number;
  /** Seconds left before the inactivity timeout drops it. */
  timeout_in_s: number;
  /** The station proved its callsign with a key (an authenticated session bound to this endpoint). */
  authenticated: boolean;
}

/** GET /api/v1/stats */
export interface ServerStats {
  uptime_s: number;
  frames_received: number;
  frames_forwarded: number;
  /**
   * Everything the server could not decode: datagrams that are not frames (size,
   * token, station id), first messages of unregistered sources that were refused, and
   * messages of registered stations that did not decode (relayed all the same).
   */
  decode_errors: number;
  rate_limited: number;
  timed_out_stations: number;
  active_stations: number;
  /** Totals by message kind of the frames received from registered stations. */
  voice_frames: number;
  text_frames: number;
  control_frames: number;
  data_frames: number;
  hijacks_refused: number;
  /** Failed station authentications (bad or stale answers, unknown callsigns, rate-limited sources). */
  auth_failures: number;
  /** Frames of tag-negotiated sessions dropped because their per-frame tag failed (forged, altered, replayed). */
  auth_tag_failures: number;
  timeout_s: number;
  stations: StationStats[];
}

/** Server-Sent Events on GET /api/v1/events: `event:` is the `type`, `data:` the JSON object. */
export type ServerEvent =
  | { type: 'stats'; at: number; stats: ServerStats }
  | { type: 'station_joined'; at: number; callsign: string; endpoint: string }
  | { type: 'station_left'; at: number; callsign: string; endpoint: string; reason: 'bye' | 'kicked' | 'banned' }
  | { type: 'station_timeout'; at: number; callsign: string; endpoint: string; idle_s: number }
  | { type: 'endpoint_changed'; at: number; callsign: string; from: string; to: string }
  | { type: 'ptt_start'; at: number; callsign: string }
  | { type: 'ptt_stop'; at: number; callsign: string }
  | { type: 'hijack_refused'; at: number; callsign: string; endpoint: string; holder: string };

export type ServerEventType = ServerEvent['type'];

/** Body of POST /api/v1/stations/<callsign>/kick, /ban and /unban answers. */
export interface AdminActionResult {
  ok: boolean;
  action: 'kick' | 'ban' | 'unban';
  callsign: string;
  message: string;
}
