import type { ActiveAlert, ServerStats, SocketStats } from '../contract/stats.js';
import type { ServerParts } from './core.js';
import type { Lifecycle } from './lifecycle.js';
import { stationStats } from './registry.js';
import type { Rooms } from './rooms.js';

type SnapshotDeps = Pick<ServerParts, 'config' | 'now' | 'counters' | 'registry' | 'gate' | 'inspector' | 'auth' | 'net'> & {
  rooms: Rooms;
  lifecycle: Lifecycle;
  startedAt: number;
  /** The relay's sockets as last read from the kernel (socket-stats.ts), and the alerts active now (alerts.ts). */
  socket: () => SocketStats | null;
  alerts: (nowMs: number) => ActiveAlert[];
};

/** The server's figures at one instant, as the stats contract states them. */
export function takeSnapshot(d: SnapshotDeps): ServerStats {
  const nowMs = d.now();
  const c = d.counters;
  const stations = [...d.registry.all()].map((s) => stationStats(s, nowMs, d.config.timeoutS, d.auth.session(s.callsign)?.endpoint.key === s.endpoint.key));
  const sum = (k: 'voice' | 'text' | 'control' | 'data'): number => {
    let n = 0;
    for (const s of d.registry.all()) n += s.byKind[k];
    return n + d.lifecycle.departedByKind[k];
  };
  return {
    uptime_s: Math.round((nowMs - d.startedAt) / 1000),
    frames_received: c.framesReceived,
    frames_forwarded: c.framesForwarded,
    // Junk datagrams, refused first messages, and broken messages of registered stations.
    decode_errors: c.decodeErrors + d.gate.rejectedMessages + d.inspector.decodeErrors,
    rate_limited: c.rateLimited,
    timed_out_stations: c.timedOut,
    active_stations: d.registry.size,
    voice_frames: sum('voice'),
    text_frames: sum('text'),
    control_frames: sum('control'),
    data_frames: sum('data'),
    hijacks_refused: c.hijacksRefused,
    auth_failures: d.auth.failures,
    auth_tag_failures: d.auth.tagFailures,
    timeout_s: d.config.timeoutS,
    stations,
    rooms: d.rooms.stats(),
    remote_stations: d.net.view?.remoteStations(nowMs) ?? [],
    interlink: d.net.view?.stats(nowMs) ?? null,
    socket: d.socket(),
    alerts: d.alerts(nowMs),
    // The stats channel adds its own figures to what it serves.
    stats_channel: null,
  };
}
