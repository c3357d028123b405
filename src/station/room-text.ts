import { DEFAULT_ROOM, type RoomCount } from '../protocol/ext.js';
import { inert } from '../util/inert-text.js';
import type { NoRoomsReason, RoomInfo } from './server-ext.js';

/**
 * Rooms in words, the same in line mode and the full-screen UI. Room names come from the
 * server: the codec accepts only letters, digits and "-", and they are shown inert anyway.
 */

const stations = (n: number): string => `${n} station${n === 1 ? '' : 's'}`;

/** "now in room NET (3 stations)"; the first room the server names: "in room MAIN …". */
export function roomChangeText(r: { room: string; previous: string | null; stations: number | null }): string {
  const count = r.stations === null ? '' : ` (${stations(r.stations)})`;
  return `${r.previous === null ? 'in' : 'now in'} room ${inert(r.room)}${count}`;
}

export function roomListText(rooms: readonly RoomCount[]): string {
  return rooms.length === 0 ? '(none)' : rooms.map((r) => `${inert(r.room)} (${r.stations})`).join(', ');
}

/** "rooms: MAIN (2), NET (3) — you are in NET" */
export function roomsText(rooms: readonly RoomCount[], current: string | null): string {
  return `rooms: ${roomListText(rooms)}${current === null ? '' : ` — you are in ${inert(current)}`}`;
}

export function noRoomText(room: string, rooms: readonly RoomCount[] | null): string {
  const list = rooms === null ? '/rooms lists them' : `rooms: ${rooms.map((r) => inert(r.room)).join(', ') || '(none)'}`;
  return `no room ${inert(room)} on this server; ${list}`;
}

export function noRoomsText(reason: NoRoomsReason): string {
  return reason === 'no_extension'
    ? 'this server does not offer rooms (not an opv server, or it has not answered): you are on its only conference'
    : 'this server does not offer rooms: you are on its only conference';
}

/** What /room alone says. */
export function currentRoomText(info: RoomInfo): string {
  if (info.offered === false) return noRoomsText('no_rooms');
  if (info.current === null) return 'the server has not named a room yet';
  // The roster is current; the list's counts are as old as the last list.
  const n = info.stations ?? info.rooms?.find((r) => r.room === info.current)?.stations;
  const queued = info.queued !== null && info.queued !== info.current ? `; moving to ${inert(info.queued)} when you release PTT` : '';
  return `in room ${inert(info.current)}${n === undefined ? '' : ` (${stations(n)})`}${queued}`;
}

/** A room request's immediate outcome, or null when the answer will say it. */
export function roomRequestText(room: string, outcome: 'sent' | 'queued' | 'here' | 'unsupported', pttActive: boolean): string | null {
  switch (outcome) {
    case 'sent':
      return null;
    case 'here':
      return `already in room ${inert(room)}`;
    case 'queued':
      return pttActive ? `room change to ${inert(room)} waits until you release PTT` : `room change to ${inert(room)} waits until the server answers`;
    case 'unsupported':
      return noRoomsText('no_rooms');
  }
}

/**
 * Whether rooms are worth showing: the server has more than one, or this station is in
 * one other than the default. A server with rooms but only its main conference looks
 * as one without rooms did (no room in the header, no "in room MAIN" at start).
 */
export function roomsMatter(info: RoomInfo): boolean {
  return info.offered === true && ((info.rooms?.length ?? 0) > 1 || (info.current !== null && info.current !== DEFAULT_ROOM) || info.wanted !== null);
}

/** The first room the server names is news only where rooms matter; every change is. */
export function roomNoteWanted(r: { previous: string | null }, info: RoomInfo): boolean {
  return r.previous !== null || roomsMatter(info);
}
