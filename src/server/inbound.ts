import type { ServerEvent } from '../contract/stats.js';
import { FRAME_SIZE, hasToken, readStationId } from '../protocol/index.js';
import { SERVER_STATION_ID } from '../protocol/ext.js';
import type { ServerParts } from './core.js';
import type { Lifecycle } from './lifecycle.js';
import type { HoldAction, PresenceStation } from './network-port.js';
import type { Rooms } from './rooms.js';
import type { CallsignCache } from './station-ids.js';

type InboundDeps = Pick<ServerParts, 'config' | 'log' | 'now' | 'counters' | 'registry' | 'limiter' | 'holds' | 'presence' | 'transport' | 'event' | 'refused'> & {
  rooms: Rooms;
  lifecycle: Lifecycle;
  ids: CallsignCache;
};

/**
 * What the network (the NATS interlink) hands to this server: other servers' frames,
 * their kicks and bans, duplicate verdicts, and its events; and what it asks of it (the
 * local presence). Nothing here knows NATS: the network calls in through these methods.
 */
export class Inbound {
  constructor(private readonly d: InboundDeps) {}

  /**
   * A frame of another server's station (over NATS): to this server's stations in the room
   * only, never back out (split horizon). Returns how many destinations.
   */
  deliverRemote(roomName: string, buf: Buffer, origin: string): number {
    const d = this.d;
    const room = d.rooms.get(roomName);
    const id = buf.length === FRAME_SIZE && hasToken(buf) ? readStationId(buf, 0) : SERVER_STATION_ID;
    const callsign = id === SERVER_STATION_ID ? null : d.ids.callsignOf(id);
    // Another server's frame never speaks as this server or as one of its own stations
    // (a peer that is buggy, stale or not ours), and each of its stations gets the same
    // rate limit as a local source: the network is trusted no more than a station.
    if (room === undefined || callsign === null || d.registry.get(callsign) !== undefined) {
      d.counters.remoteRejected++;
      return 0;
    }
    if (!d.limiter.allow(origin + '/' + callsign, d.now())) {
      d.counters.rateLimited++;
      d.refused(origin + '/' + callsign);
      return 0;
    }
    room.framesFromInterlink++;
    const targets = room.targets;
    for (let i = 0; i < targets.length; i++) d.transport.send(buf, targets[i]!.returnTo);
    room.framesForwarded += targets.length;
    d.counters.framesForwarded += targets.length;
    return targets.length;
  }

  /** A kick, ban or unban decided on another server of the network: applied here, never passed on. */
  applyHold(action: HoldAction, callsign: string, untilMs: number | null, fromServer: string): void {
    const { holds, log, config, presence } = this.d;
    const nowMs = this.d.now();
    const st = this.d.registry.get(callsign);
    try {
      if (action === 'unban') {
        if (holds.unban(callsign)) log.unbanned(`${callsign} (by server ${fromServer})`);
        return;
      }
      if (action === 'kick') holds.kick(callsign, untilMs ?? nowMs + config.kickHoldDownS * 1000);
      else holds.ban(callsign, nowMs);
    } catch (e) {
      log.warn(`${action} of ${callsign} from server ${fromServer} not saved: ${(e as Error).message}`);
    }
    if (st) {
      presence.tellStation(st, action === 'kick' ? 'kicked' : 'banned', action === 'kick' ? untilMs : null);
      this.d.lifecycle.drop(st, action === 'kick' ? 'kicked' : 'banned', nowMs);
    }
  }

  /** An event the network learned (remote stations, the link's state): logged by the network, told to stations and the stats channel here. */
  networkEvent(e: ServerEvent): void {
    this.d.event(e, () => undefined);
  }

  /** When a local station joined (ms since epoch), or null when the callsign is not here. */
  localJoin(callsign: string): number | null {
    return this.d.registry.get(callsign)?.joinedAt ?? null;
  }

  /**
   * The callsign was admitted on another server too, and the network's rule gives it
   * to that one: the station here is told (in_use) and dropped.
   */
  dropDuplicate(callsign: string, holder: string): void {
    const { registry, config, presence, log } = this.d;
    const st = registry.get(callsign);
    if (st === undefined) return;
    const nowMs = this.d.now();
    this.d.counters.hijacksRefused++;
    presence.tellStation(st, 'in_use', nowMs + config.hijackHoldDownS * 1000);
    this.d.lifecycle.forget(st);
    this.d.event({ type: 'station_left', at: nowMs, callsign, endpoint: st.endpoint.key, reason: 'kicked', room: st.room.name }, () =>
      log.duplicate(callsign, st.endpoint.key, holder),
    );
  }

  /** This server's stations, for the network's presence snapshot. */
  localPresence(): PresenceStation[] {
    const nowMs = this.d.now();
    return [...this.d.registry.all()].map((s) => ({
      callsign: s.callsign,
      room: s.room.name,
      talking: s.talking,
      connected_s: Math.max(0, Math.round((nowMs - s.joinedAt) / 1000)),
      joined_at: s.joinedAt,
    }));
  }
}
