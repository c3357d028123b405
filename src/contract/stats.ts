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
  /** The room it is in (`MAIN` unless it chose one or came in on a room's port). */
  room: string;
}

/** A station on another server of the interlinked network (learned from that server's presence). */
export interface RemoteStationStats {
  callsign: string;
  room: string;
  /** The server-id of the server it is on. */
  server: string;
  talking: boolean;
  connected_s: number;
  /** Seconds since that server last reported it. */
  last_seen_s: number;
}

/** One room of this server (per-room fan-out, roster and traffic). */
export interface RoomStats {
  name: string;
  /** The UDP port bound to it (reference stations choose a room by port); null: chosen by name only. */
  port: number | null;
  /** This server's stations in it. */
  stations: number;
  /** Stations in it on other interlinked servers. */
  remote_stations: number;
  /** Frames received from this server's stations in it. */
  frames_received: number;
  /** Frames sent to this server's stations in it (from local and remote talkers). */
  frames_forwarded: number;
  /** Frames of it received from other servers over NATS. */
  frames_from_interlink: number;
  /** Callsigns talking in it now (here and on other servers). */
  talking: string[];
}

/** The NATS interlink (`--nats`); null in ServerStats when the server runs alone. */
export interface InterlinkStats {
  server_id: string;
  connected: boolean;
  /** The NATS server it is connected to now ("host:port"), or the last one. */
  nats_server: string;
  /** Words for the state: "connected", "reconnecting (connection refused)", … */
  state: string;
  frames_published: number;
  frames_received: number;
  /** Frames not published because the link was down (never queued: stale voice is useless). */
  frames_not_published: number;
  /** Frames from NATS that were dropped: not a frame, an unknown room, from this server, or claiming the server's id or a callsign that is on this server. */
  frames_rejected: number;
  reconnects: number;
  /** Rooms subscribed now (those with a local station). */
  subscribed_rooms: string[];
  /** Other servers heard from, with seconds since their last presence. */
  peers: { server_id: string; last_seen_s: number; stations: number }[];
  /** "signed" (only peers' signed messages are believed) or "open" (--interlink-trust open: any NATS publisher is). */
  trust: 'signed' | 'open';
  /** Messages from NATS refused: bad or missing signature. */
  rejected_signature: number;
  /** Refused: a sequence already passed or a time outside the freshness window (replays). */
  rejected_replay: number;
  /** Refused: a sender that is not in the peers file (or this server's own id). */
  rejected_unknown_peer: number;
  /** Frames and messages that arrived twice (a NATS stall, a reconnect) and were delivered once. */
  duplicates_dropped: number;
  /** Presence refused by the per-peer caps (rate, size, stations) or naming stations its sender does not hold. */
  presence_rejected: number;
}

/** The relay's UDP sockets as the kernel sees them (Linux; null in ServerStats where it cannot be read). */
export interface SocketStats {
  /** Receive buffer the kernel granted per socket (bytes; Linux reports twice the requested size, capped by net.core.rmem_max). */
  rcvbuf_bytes: number;
  /** Send buffer the kernel granted per socket (bytes; capped by net.core.wmem_max). */
  sndbuf_bytes: number;
  /** Datagrams the kernel dropped because the relay's receive buffers were full (since the server started). */
  kernel_rcvbuf_errors: number;
  /** Datagrams the kernel could not queue for sending from the relay's sockets (since the server started). */
  kernel_sndbuf_errors: number;
}

/** The stats channel's own connections (this HTTP port), for watching it under abuse. */
export interface StatsChannelStats {
  /** TCP connections open now, and the most allowed (in all, and from one address or IPv6 /64). */
  connections: number;
  connection_cap: number;
  per_source_cap: number;
  /** New connections closed at once (their source over its cap, or every held one busy). */
  connections_refused: number;
  /** Connections closed to make room for a newcomer (the oldest with no request in progress). */
  connections_evicted: number;
  /** Connections closed for sending nothing for too long. */
  connections_idle_closed: number;
  event_clients: number;
  /** Event streams dropped for not reading, and refused at the --max-event-clients cap. */
  event_clients_dropped: number;
  event_clients_refused: number;
}

/** What an alert is about. A newer server may send kinds this list lacks: consumers show them as text. */
export type AlertKind = 'decode_errors' | 'stuck_ptt' | 'flood' | 'auth_failures' | 'interlink_peer_lost' | 'socket_drops';

/** An alert raised by the server and not yet cleared. */
export interface ActiveAlert {
  kind: AlertKind;
  /** What it is about (a callsign, a source address, a peer's server-id), or null for the server as a whole. */
  subject: string | null;
  /** Seconds since it was raised. */
  since_s: number;
  /** In words, for the sysop. */
  message: string;
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
  rooms: RoomStats[];
  remote_stations: RemoteStationStats[];
  interlink: InterlinkStats | null;
  /** The relay's sockets: buffers granted and the kernel's drop counters; null when unknown (not Linux, or older servers). */
  socket: SocketStats | null;
  /** Alerts active now. */
  alerts: ActiveAlert[];
  /** The stats channel's connections (null from older servers). */
  stats_channel: StatsChannelStats | null;
}

/** Server-Sent Events on GET /api/v1/events: `event:` is the `type`, `data:` the JSON object. */
export type ServerEvent =
  | { type: 'stats'; at: number; stats: ServerStats }
  | { type: 'station_joined'; at: number; callsign: string; endpoint: string; room: string }
  | { type: 'room_changed'; at: number; callsign: string; from: string; to: string }
  /** Stations on other servers, learned over NATS (`server` is its server-id). */
  | { type: 'remote_joined'; at: number; callsign: string; room: string; server: string }
  | { type: 'remote_left'; at: number; callsign: string; room: string; server: string }
  | { type: 'interlink'; at: number; connected: boolean; state: string }
  | { type: 'station_left'; at: number; callsign: string; endpoint: string; reason: 'bye' | 'kicked' | 'banned'; room: string }
  | { type: 'station_timeout'; at: number; callsign: string; endpoint: string; idle_s: number; room: string }
  | { type: 'endpoint_changed'; at: number; callsign: string; from: string; to: string }
  /** `server`: the talker is on another interlinked server (its server-id). */
  | { type: 'ptt_start'; at: number; callsign: string; room: string; server?: string }
  | { type: 'ptt_stop'; at: number; callsign: string; room: string; server?: string }
  | { type: 'hijack_refused'; at: number; callsign: string; endpoint: string; holder: string }
  | { type: 'alert_raised'; at: number; kind: AlertKind; subject: string | null; message: string }
  | { type: 'alert_cleared'; at: number; kind: AlertKind; subject: string | null; message: string };

export type ServerEventType = ServerEvent['type'];

/** Body of POST /api/v1/stations/<callsign>/kick, /ban and /unban answers. */
export interface AdminActionResult {
  ok: boolean;
  action: 'kick' | 'ban' | 'unban';
  callsign: string;
  message: string;
}
