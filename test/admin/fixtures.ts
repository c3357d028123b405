import type { ServerStats, StationStats } from '../../src/contract/stats.js';

/** A station as the server reports it, with overrides. */
export function station(callsign: string, over: Partial<StationStats> = {}): StationStats {
  return {
    callsign,
    endpoint: '127.0.0.1:40000',
    frames: 0,
    bytes: 0,
    last_seen_s: 0,
    talking: false,
    voice_frames: 0,
    text_frames: 0,
    control_frames: 0,
    connected_s: 0,
    timeout_in_s: 300,
    authenticated: false,
    room: 'MAIN',
    ...over,
  };
}

/** A stats snapshot with overrides. */
export function snapshot(over: Partial<ServerStats> = {}): ServerStats {
  return {
    uptime_s: 10,
    frames_received: 0,
    frames_forwarded: 0,
    decode_errors: 0,
    rate_limited: 0,
    timed_out_stations: 0,
    active_stations: over.stations?.length ?? 0,
    voice_frames: 0,
    text_frames: 0,
    control_frames: 0,
    data_frames: 0,
    hijacks_refused: 0,
    auth_failures: 0,
    auth_tag_failures: 0,
    timeout_s: 300,
    stations: [],
    rooms: [],
    remote_stations: [],
    interlink: null,
    ...over,
  };
}
