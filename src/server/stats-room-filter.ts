import type { ServerEvent, ServerStats } from '../contract/stats.js';
import { DEFAULT_ROOM, normaliseRoom, ROOM_NAME_MAX } from '../protocol/ext.js';

/**
 * The stats channel's `?room=NAME`: which query strings are accepted, and what a
 * snapshot or an event looks like seen from one room. Pure, so the HTTP side only
 * wires it and the unit tests need no sockets.
 */

export type RoomQuery = { ok: true; room: string | null } | { ok: false; reason: string };

/**
 * The room a request asks for (null: all rooms). One `room` parameter at most, its
 * value no longer than a room name: the query is read before anything else is done,
 * so nothing a client sends here can make the relay work for it. Other parameters
 * are ignored (cache-busters of generic clients).
 */
export function parseRoomQuery(search: URLSearchParams): RoomQuery {
  const values = search.getAll('room');
  if (values.length === 0) return { ok: true, room: null };
  if (values.length > 1) return { ok: false, reason: 'room given more than once' };
  const raw = values[0]!;
  if (raw.length > ROOM_NAME_MAX) return { ok: false, reason: `room name over ${ROOM_NAME_MAX} characters` };
  const room = normaliseRoom(raw);
  if (room === null) return { ok: false, reason: `bad room name "${raw}": letters, digits and - (up to ${ROOM_NAME_MAX})` };
  return { ok: true, room };
}

/** The rooms a snapshot knows; a server older than rooms has the one conference. */
export function knownRooms(stats: ServerStats): string[] {
  return stats.rooms.length > 0 ? stats.rooms.map((r) => r.name) : [DEFAULT_ROOM];
}

/**
 * The snapshot seen from one room: its stations, remote stations and its entry of
 * `rooms`. The server-wide counters and the interlink stay as they are (they are the
 * server's, not the room's; the room's own traffic is in its `rooms` entry).
 */
export function filterStatsByRoom(stats: ServerStats, room: string): ServerStats {
  return {
    ...stats,
    stations: stats.stations.filter((s) => s.room === room),
    remote_stations: stats.remote_stations.filter((s) => s.room === room),
    rooms: stats.rooms.filter((r) => r.name === room),
  };
}

/**
 * The rooms an event concerns: empty when it carries none (interlink state, and station
 * events whose room is unknown), which then reach every filtered stream. `roomOf`
 * supplies the room of a station for the events that name only a callsign.
 */
export function eventRooms(e: ServerEvent, roomOf: (callsign: string) => string | undefined): string[] {
  switch (e.type) {
    case 'station_joined':
    case 'ptt_start':
    case 'ptt_stop':
    case 'remote_joined':
    case 'remote_left':
      return [e.room];
    case 'room_changed':
      return [e.from, e.to];
    case 'station_left':
    case 'station_timeout':
    case 'endpoint_changed':
    case 'hijack_refused': {
      // Leaving and timing out name their room on servers that have rooms.
      const named = (e as { room?: unknown }).room;
      if (typeof named === 'string') return [named];
      const r = roomOf(e.callsign);
      return r === undefined ? [] : [r];
    }
    case 'interlink':
    case 'stats':
      return [];
  }
}

/** Whether a stream filtered to `room` gets this (non-stats) event. */
export function eventInRoom(e: ServerEvent, room: string, roomOf: (callsign: string) => string | undefined): boolean {
  const rooms = eventRooms(e, roomOf);
  return rooms.length === 0 || rooms.includes(room);
}

/**
 * Where this server's stations are, kept from the events (the snapshot is too costly
 * to take per event). Bounded: a station is forgotten when it leaves, and the map
 * never holds more than `max` callsigns (the oldest go first).
 */
export class StationRooms {
  private readonly rooms = new Map<string, string>();

  constructor(private readonly max = 10_000) {}

  /** Seeds it from a snapshot (the stations registered before the channel started). */
  seed(stats: ServerStats): void {
    for (const s of stats.stations) this.set(s.callsign, s.room);
  }

  get(callsign: string): string | undefined {
    return this.rooms.get(callsign);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Before the event is sent: learn rooms. */
  before(e: ServerEvent): void {
    if (e.type === 'station_joined') this.set(e.callsign, e.room);
    else if (e.type === 'room_changed') this.set(e.callsign, e.to);
  }

  /** After the event is sent: forget stations that left (their last event still had a room). */
  after(e: ServerEvent): void {
    if (e.type === 'station_left' || e.type === 'station_timeout') this.rooms.delete(e.callsign);
  }

  private set(callsign: string, room: string): void {
    this.rooms.delete(callsign);
    this.rooms.set(callsign, room);
    if (this.rooms.size > this.max) {
      const oldest = this.rooms.keys().next().value;
      if (oldest !== undefined) this.rooms.delete(oldest);
    }
  }
}
