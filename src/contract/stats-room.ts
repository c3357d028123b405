/**
 * The stats contract seen from one room: shared by the stats channel (`?room=`) and
 * `opv admin` (its filter and `--room`), so both cut a snapshot and place an event
 * the same way. Pure.
 */
import { DEFAULT_ROOM } from '../protocol/ext.js';
import type { ServerEvent, ServerStats } from './stats.js';

/** The rooms a snapshot knows; a server older than rooms has the one conference. */
export function knownRooms(stats: ServerStats): string[] {
  return stats.rooms.length > 0 ? stats.rooms.map((r) => r.name) : [...new Set([DEFAULT_ROOM, ...stats.stations.map((s) => s.room)])];
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
 * events whose room is unknown), which then reach every filtered view. `roomOf`
 * supplies the room of a station for the events that name only a callsign.
 */
export function eventRooms(e: ServerEvent, roomOf: (callsign: string) => string | undefined): string[] {
  switch (e.type) {
    case 'station_joined':
    case 'station_left':
    case 'station_timeout':
    case 'ptt_start':
    case 'ptt_stop':
    case 'remote_joined':
    case 'remote_left':
      return [e.room];
    case 'room_changed':
      return [e.from, e.to];
    case 'endpoint_changed':
    case 'hijack_refused': {
      const r = roomOf(e.callsign);
      return r === undefined ? [] : [r];
    }
    case 'interlink':
    case 'stats':
    case 'alert_raised':
    case 'alert_cleared':
      return [];
  }
}

/** Whether a view filtered to `room` shows this (non-stats) event. */
export function eventInRoom(e: ServerEvent, room: string, roomOf: (callsign: string) => string | undefined): boolean {
  const rooms = eventRooms(e, roomOf);
  return rooms.length === 0 || rooms.includes(room);
}
