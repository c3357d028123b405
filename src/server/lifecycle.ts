import type { MessageKind } from '../protocol/index.js';
import type { ServerParts } from './core.js';
import type { Station } from './registry.js';
import type { Rooms } from './rooms.js';

type LifecycleDeps = Pick<ServerParts, 'config' | 'log' | 'now' | 'counters' | 'registry' | 'auth' | 'inspector' | 'limiter' | 'presence' | 'event'> & { rooms: Rooms };

/**
 * How a station leaves: by BYE, kick, ban, or silence (the sweep, once a second). One
 * place forgets it everywhere (registry, room, session, inspector) and keeps its kind
 * totals, so the server's totals never go backwards.
 */
export class Lifecycle {
  /** Kind totals of stations that have left. */
  readonly departedByKind: Record<MessageKind, number> = { voice: 0, text: 0, control: 0, data: 0 };

  constructor(private readonly d: LifecycleDeps) {}

  forget(st: Station): void {
    this.d.registry.remove(st.callsign);
    this.d.rooms.leave(st);
    this.d.auth.endSession(st.callsign);
    this.d.inspector.forget(st.stationId);
    for (const k of ['voice', 'text', 'control', 'data'] as const) this.departedByKind[k] += st.byKind[k];
  }

  drop(st: Station, reason: 'bye' | 'kicked' | 'banned', nowMs: number): void {
    this.forget(st);
    const log = this.d.log;
    this.d.event({ type: 'station_left', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, reason, room: st.room.name }, () =>
      log.left(st.callsign, st.endpoint.key, reason),
    );
  }

  /** Once a second: silent stations time out, a talker whose voice stopped is no longer talking, bounded state expires. */
  sweep(): void {
    const { config, log, event, inspector } = this.d;
    const nowMs = this.d.now();
    for (const st of [...this.d.registry.all()]) {
      const idle = nowMs - st.lastSeen;
      if (idle >= config.timeoutS * 1000) {
        this.forget(st);
        this.d.counters.timedOut++;
        const idleS = Math.round(idle / 1000);
        event({ type: 'station_timeout', at: nowMs, callsign: st.callsign, endpoint: st.endpoint.key, idle_s: idleS, room: st.room.name }, () =>
          log.timeout(st.callsign, st.endpoint.key, idleS),
        );
      } else if (inspector.silenced(st, nowMs)) {
        event({ type: 'ptt_stop', at: nowMs, callsign: st.callsign, room: st.room.name }, () => log.ptt(st.callsign, 'stop', st.room.name));
      }
    }
    this.d.limiter.evictIdle(nowMs);
    this.d.presence.tick(nowMs);
    this.d.auth.sweep(nowMs);
  }
}
