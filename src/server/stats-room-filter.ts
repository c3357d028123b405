import type { ServerEvent, ServerStats } from '../contract/stats.js';
import { normaliseRoom, ROOM_NAME_MAX } from '../protocol/ext.js';

/**
 * The stats channel's `?room=NAME`: which query strings are accepted, and where each
 * station is (for events that name only a callsign). The room view itself is the
 * contract's (src/contract/stats-room.ts), shared with `opv admin`. Pure.
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
