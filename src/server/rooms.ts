import type { RoomStats } from '../contract/stats.js';
import { DEFAULT_ROOM, type RoomCount, type StationExtRequest } from '../protocol/ext.js';
import type { RoomConfig } from './config.js';
import type { ServerParts } from './core.js';
import type { Endpoint } from './endpoint.js';
import type { Station } from './registry.js';
import { Room } from './room.js';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'rooms');

type RoomsDeps = Pick<ServerParts, 'log' | 'presence' | 'transport' | 'net' | 'event'>;

/**
 * The server's conferences: which room a station is in, moves between rooms, and the
 * interlink's interest (a room's frames from other servers are wanted while a local
 * station is in it). The main port's room comes first.
 */
export class Rooms {
  /** Rooms by name, the main port's first. */
  readonly byName = new Map<string, Room>();
  readonly main: Room;

  constructor(
    mainPort: number,
    rooms: readonly RoomConfig[],
    private readonly d: RoomsDeps,
  ) {
    this.main = new Room(DEFAULT_ROOM, mainPort);
    this.byName.set(DEFAULT_ROOM, this.main);
    for (const r of rooms) this.byName.set(r.name, new Room(r.name, r.port));
  }

  get(name: string): Room | undefined {
    return this.byName.get(name);
  }

  /** The room of the port a source came in on. */
  portRoom(e: Endpoint): Room {
    return this.d.transport.roomOf(e.via) ?? this.main;
  }

  join(st: Station, room: Room): void {
    st.room = room;
    room.add(st);
    dbg('%s joins %s (%d here)', st.callsign, room.name, room.size);
    if (room.size === 1) this.d.net.uplink?.setInterest(room.name, true);
  }

  leave(st: Station): void {
    const room = st.room;
    room.remove(st);
    dbg('%s leaves %s (%d here)', st.callsign, room.name, room.size);
    if (room.size === 0) this.d.net.uplink?.setInterest(room.name, false);
  }

  /** Moves a station to another room: it hears only that room from its next frame on. */
  moveTo(st: Station, to: Room, nowMs: number): void {
    const from = st.room;
    if (from === to) return;
    const { log, event } = this.d;
    if (st.talking) {
      st.talking = false;
      event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: from.name }, () => log.ptt(st.callsign, 'stop', from.name));
    }
    this.leave(st);
    this.join(st, to);
    event({ type: 'room_changed', at: nowMs, callsign: st.callsign, from: from.name, to: to.name }, () => log.roomChanged(st.callsign, from.name, to.name));
  }

  /** A station's extension request (docs/EXTENSIONS.md, Rooms): consumed, never relayed. */
  onRequest(st: Station, req: StationExtRequest, nowMs: number): void {
    const presence = this.d.presence;
    if (req.type === 'rooms') {
      presence.sendRooms(st, this.counts());
      return;
    }
    const to = this.byName.get(req.room);
    dbg('%s asks for room %s%s', st.callsign, req.room, to === undefined ? ': no such room' : '');
    if (to === undefined) {
      presence.noRoom(st, req.room);
      return;
    }
    this.moveTo(st, to, nowMs);
    presence.inRoom(st, nowMs);
  }

  /** Rooms with their stations, here and (interlinked) elsewhere. */
  counts(): RoomCount[] {
    const remote = this.d.net.view?.countByRoom() ?? new Map<string, number>();
    return [...this.byName.values()].map((r) => ({ room: r.name, stations: r.size + (remote.get(r.name) ?? 0) }));
  }

  stats(): RoomStats[] {
    const view = this.d.net.view;
    const remote = view?.countByRoom();
    return [...this.byName.values()].map((r) => {
      const talking: string[] = [];
      for (const s of r.all()) if (s.talking) talking.push(s.callsign);
      return {
        name: r.name,
        port: r.port,
        stations: r.size,
        remote_stations: remote?.get(r.name) ?? 0,
        frames_received: r.framesReceived,
        frames_forwarded: r.framesForwarded,
        frames_from_interlink: r.framesFromInterlink,
        talking: [...talking, ...(view?.talkingIn(r.name) ?? [])],
      };
    });
  }
}
