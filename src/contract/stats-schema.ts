/**
 * The stats contract (./stats.ts) as zod schemas, for the consumers that must not trust
 * what arrives: `opv admin` checks every JSON answer and SSE payload against these
 * before a panel sees it. `satisfies` ties each schema to its type, so a field added
 * to the contract without being added here fails to compile. Objects are loose: a
 * newer server may add fields without breaking an older admin.
 */
import { z } from 'zod';
import { DEFAULT_ROOM } from '../protocol/ext.js';
import type { ActiveAlert, AdminActionResult, AlertKind, InterlinkStats, RemoteStationStats, RoomStats, ServerEvent, ServerStats, SocketStats, StationStats, StatsChannelStats } from './stats.js';

const count = z.number({ error: 'must be a number' });
const text = z.string({ error: 'must be a string' });
const flag = z.boolean({ error: 'must be true or false' });

export const stationStatsSchema = z.looseObject({
  callsign: text,
  endpoint: text,
  frames: count,
  bytes: count,
  last_seen_s: count,
  talking: flag,
  voice_frames: count,
  text_frames: count,
  control_frames: count,
  connected_s: count,
  timeout_in_s: count,
  // Absent from servers older than station authentication.
  authenticated: flag.default(false),
  // Absent from servers older than rooms: everyone was in the one conference.
  room: text.default(DEFAULT_ROOM),
}) satisfies z.ZodType<StationStats>;

export const remoteStationStatsSchema = z.looseObject({
  callsign: text,
  room: text,
  server: text,
  talking: flag,
  connected_s: count,
  last_seen_s: count,
}) satisfies z.ZodType<RemoteStationStats>;

export const roomStatsSchema = z.looseObject({
  name: text,
  port: count.nullable(),
  stations: count,
  remote_stations: count,
  frames_received: count,
  frames_forwarded: count,
  frames_from_interlink: count,
  talking: z.array(text),
}) satisfies z.ZodType<RoomStats>;

export const interlinkStatsSchema = z.looseObject({
  server_id: text,
  connected: flag,
  nats_server: text,
  state: text,
  frames_published: count,
  frames_received: count,
  frames_not_published: count,
  frames_rejected: count,
  reconnects: count,
  subscribed_rooms: z.array(text),
  peers: z.array(z.looseObject({ server_id: text, last_seen_s: count, stations: count })),
  // Absent from servers older than signed interlinks: they believed any publisher.
  trust: z.enum(['signed', 'open']).default('open'),
  rejected_signature: count.default(0),
  rejected_replay: count.default(0),
  rejected_unknown_peer: count.default(0),
  duplicates_dropped: count.default(0),
  presence_rejected: count.default(0),
}) satisfies z.ZodType<InterlinkStats>;

export const socketStatsSchema = z.looseObject({
  rcvbuf_bytes: count,
  sndbuf_bytes: count,
  kernel_rcvbuf_errors: count,
  kernel_sndbuf_errors: count,
}) satisfies z.ZodType<SocketStats>;

export const statsChannelStatsSchema = z.looseObject({
  connections: count,
  connection_cap: count,
  per_source_cap: count,
  connections_refused: count,
  connections_evicted: count,
  connections_idle_closed: count,
  event_clients: count,
  event_clients_dropped: count,
  event_clients_refused: count,
}) satisfies z.ZodType<StatsChannelStats>;

// Any string: a kind added by a newer server still parses and is shown as text.
const alertKind = z.custom<AlertKind>((v) => typeof v === 'string', { error: 'must be a string' });

export const activeAlertSchema = z.looseObject({
  kind: alertKind,
  subject: text.nullable(),
  since_s: count,
  message: text,
}) satisfies z.ZodType<ActiveAlert>;

export const serverStatsSchema = z.looseObject(
  {
    uptime_s: count,
    frames_received: count,
    frames_forwarded: count,
    decode_errors: count,
    rate_limited: count,
    timed_out_stations: count,
    active_stations: count,
    voice_frames: count,
    text_frames: count,
    control_frames: count,
    data_frames: count,
    hijacks_refused: count,
    auth_failures: count.default(0),
    auth_tag_failures: count.default(0),
    timeout_s: count,
    stations: z.array(stationStatsSchema, { error: 'must be a list' }),
    rooms: z.array(roomStatsSchema, { error: 'must be a list' }).default([]),
    remote_stations: z.array(remoteStationStatsSchema, { error: 'must be a list' }).default([]),
    interlink: interlinkStatsSchema.nullable().default(null),
    // Absent from servers older than the socket counters and alerts.
    socket: socketStatsSchema.nullable().default(null),
    alerts: z.array(activeAlertSchema, { error: 'must be a list' }).default([]),
    stats_channel: statsChannelStatsSchema.nullable().default(null),
  },
  { error: 'must be a JSON object' },
) satisfies z.ZodType<ServerStats>;

const at = count;

export const serverEventSchema = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('stats'), at, stats: serverStatsSchema }),
    z.looseObject({ type: z.literal('station_joined'), at, callsign: text, endpoint: text, room: text.default(DEFAULT_ROOM) }),
    z.looseObject({ type: z.literal('room_changed'), at, callsign: text, from: text, to: text }),
    z.looseObject({ type: z.literal('remote_joined'), at, callsign: text, room: text, server: text }),
    z.looseObject({ type: z.literal('remote_left'), at, callsign: text, room: text, server: text }),
    z.looseObject({ type: z.literal('interlink'), at, connected: flag, state: text }),
    z.looseObject({ type: z.literal('station_left'), at, callsign: text, endpoint: text, reason: z.enum(['bye', 'kicked', 'banned'], { error: 'must be bye, kicked or banned' }), room: text.default(DEFAULT_ROOM) }),
    z.looseObject({ type: z.literal('station_timeout'), at, callsign: text, endpoint: text, idle_s: count, room: text.default(DEFAULT_ROOM) }),
    z.looseObject({ type: z.literal('endpoint_changed'), at, callsign: text, from: text, to: text }),
    z.looseObject({ type: z.literal('ptt_start'), at, callsign: text, room: text.default(DEFAULT_ROOM), server: text.optional() }),
    z.looseObject({ type: z.literal('ptt_stop'), at, callsign: text, room: text.default(DEFAULT_ROOM), server: text.optional() }),
    z.looseObject({ type: z.literal('hijack_refused'), at, callsign: text, endpoint: text, holder: text }),
    z.looseObject({ type: z.literal('alert_raised'), at, kind: alertKind, subject: text.nullable(), message: text }),
    z.looseObject({ type: z.literal('alert_cleared'), at, kind: alertKind, subject: text.nullable(), message: text }),
  ],
  { error: 'is not an event type this admin knows' },
) satisfies z.ZodType<ServerEvent>;

export const adminActionResultSchema = z.looseObject(
  { ok: flag, action: z.enum(['kick', 'ban', 'unban'], { error: 'must be kick, ban or unban' }), callsign: text, message: text },
  { error: 'must be a JSON object' },
) satisfies z.ZodType<AdminActionResult>;
