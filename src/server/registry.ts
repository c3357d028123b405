import type { StationStats } from '../contract/stats.js';
import type { MessageKind } from '../protocol/index.js';
import type { Endpoint } from './endpoint.js';

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
}

/**
 * Stations by callsign, plus the list of distinct destinations the hot path walks.
 * The list is rebuilt only when membership or an endpoint changes.
 */
export class Registry {
  private readonly byCall = new Map<string, Station>();
  private destinations: Station[] = [];

  get size(): number {
    return this.byCall.size;
  }

  get(callsign: string): Station | undefined {
    return this.byCall.get(callsign);
  }

  add(s: Station): void {
    this.byCall.set(s.callsign, s);
    this.rebuild();
  }

  remove(callsign: string): Station | undefined {
    const s = this.byCall.get(callsign);
    if (s) {
      this.byCall.delete(callsign);
      this.rebuild();
    }
    return s;
  }

  moved(): void {
    this.rebuild();
  }

  /** One station per return endpoint, so no destination gets a frame twice. */
  get targets(): readonly Station[] {
    return this.destinations;
  }

  all(): IterableIterator<Station> {
    return this.byCall.values();
  }

  private rebuild(): void {
    const seen = new Set<string>();
    const out: Station[] = [];
    for (const s of this.byCall.values()) {
      if (seen.has(s.returnTo.key)) continue;
      seen.add(s.returnTo.key);
      out.push(s);
    }
    this.destinations = out;
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
    room: 'MAIN',
  };
}
