import type { StationStats } from '../contract/stats.js';
import type { MessageKind } from '../protocol/index.js';
import type { Endpoint } from './endpoint.js';
import type { Room } from './room.js';

/** A registered station: where it is, what it has sent, whether it is talking. */
export interface Station {
  callsign: string;
  stationId: number;
  endpoint: Endpoint;
  /** Where frames for it go: its endpoint, or IP:fixed port in reference mode. */
  returnTo: Endpoint;
  joinedAt: number;
  lastSeen: number;
  frames: number;
  bytes: number;
  byKind: Record<MessageKind, number>;
  talking: boolean;
  lastVoiceAt: number;
  /** Frames received since the last complete message, to attribute them to its kind. */
  framesInMessage: number;
  /** The message in progress is the server's (an authentication message spans frames): its later frames are not relayed either. */
  inServerMessage?: boolean;
  /** The conference it is in: frames go to this room's members only. */
  room: Room;
}

/**
 * Stations by callsign, across all rooms: a callsign is one station on a server, in one
 * room at a time. The rooms (./room.ts) hold the destination lists the hot path walks.
 */
export class Registry {
  private readonly byCall = new Map<string, Station>();

  get size(): number {
    return this.byCall.size;
  }

  get(callsign: string): Station | undefined {
    return this.byCall.get(callsign);
  }

  add(s: Station): void {
    this.byCall.set(s.callsign, s);
  }

  remove(callsign: string): Station | undefined {
    const s = this.byCall.get(callsign);
    if (s) this.byCall.delete(callsign);
    return s;
  }

  all(): IterableIterator<Station> {
    return this.byCall.values();
  }
}

export function stationStats(s: Station, nowMs: number, timeoutS: number, authenticated = false): StationStats {
  const idle = (nowMs - s.lastSeen) / 1000;
  return {
    callsign: s.callsign,
    endpoint: s.endpoint.key,
    frames: s.frames,
    bytes: s.bytes,
    last_seen_s: Math.round(idle * 10) / 10,
    talking: s.talking,
    voice_frames: s.byKind.voice,
    text_frames: s.byKind.text,
    control_frames: s.byKind.control,
    connected_s: Math.round((nowMs - s.joinedAt) / 1000),
    timeout_in_s: Math.max(0, Math.round(timeoutS - idle)),
    authenticated,
    room: s.room.name,
  };
}
