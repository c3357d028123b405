import type { InterlinkStats, RemoteStationStats, RoomStats, ServerStats, StationStats } from '../../src/contract/stats.js';

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
    socket: null,
    alerts: [],
    stats_channel: null,
    ...over,
  };
}

/** A remote station (on another interlinked server), with overrides. */
export function remoteStation(callsign: string, server: string, over: Partial<RemoteStationStats> = {}): RemoteStationStats {
  return { callsign, room: 'MAIN', server, talking: false, connected_s: 60, last_seen_s: 2, ...over };
}

/** A room of this server, with overrides. */
export function room(name: string, over: Partial<RoomStats> = {}): RoomStats {
  return { name, port: null, stations: 0, remote_stations: 0, frames_received: 0, frames_forwarded: 0, frames_from_interlink: 0, talking: [], ...over };
}

/** The interlink of a server linked to hub-b, with overrides. */
export function interlink(over: Partial<InterlinkStats> = {}): InterlinkStats {
  return {
    server_id: 'hub-a',
    connected: true,
    nats_server: '127.0.0.1:4222',
    state: 'connected',
    frames_published: 0,
    frames_received: 0,
    frames_not_published: 0,
    frames_rejected: 0,
    reconnects: 0,
    subscribed_rooms: ['MAIN', 'NET'],
    peers: [{ server_id: 'hub-b', last_seen_s: 1, stations: 2 }],
    trust: 'signed',
    rejected_signature: 0,
    rejected_replay: 0,
    rejected_unknown_peer: 0,
    duplicates_dropped: 0,
    presence_rejected: 0,
    ...over,
  };
}

/** Two rooms here (MAIN, NET on its own port), stations in both, two remote stations on hub-b. */
export function linkedSnapshot(over: Partial<ServerStats> = {}): ServerStats {
  return snapshot({
    stations: [station('W1ABC', { endpoint: '127.0.0.1:40001', talking: true }), station('VE3XYZ', { endpoint: '127.0.0.1:40002', room: 'NET' }), station('G4AAA', { endpoint: '127.0.0.1:40003', room: 'NET' })],
    rooms: [
      room('MAIN', { stations: 1, remote_stations: 1, frames_received: 100, frames_forwarded: 150, frames_from_interlink: 50, talking: ['W1ABC'] }),
      room('NET', { port: 57373, stations: 2, remote_stations: 1, frames_received: 20, frames_forwarded: 40, frames_from_interlink: 10, talking: ['K2REM'] }),
    ],
    remote_stations: [remoteStation('DL1REM', 'hub-b'), remoteStation('K2REM', 'hub-b', { room: 'NET', talking: true })],
    interlink: interlink(),
    ...over,
  });
}
