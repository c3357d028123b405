import type { InterlinkStats, RemoteStationStats, ServerEvent } from '../contract/stats.js';
import type { RosterEntry } from '../protocol/ext.js';
import type { InterlinkConfig } from './config.js';
import { Interlink } from './interlink.js';
import { PRESENCE_SNAPSHOT_INTERVAL_MS, type HoldAction, type PresenceMessage } from './interlink-presence.js';
import type { OperatorLog } from './log.js';
import type { NetworkView, RemoteHolder } from './network-port.js';
import { RemoteRoster, wins, type RosterChange } from './remote-roster.js';
import type { ConferenceServer } from './server.js';

/**
 * One server's place in the interlinked network: frames between the relay and NATS,
 * this server's presence out, the other servers' presence in (the RemoteRoster), and
 * the decisions that rest on it (the network-wide hijack rule, kicks and bans). The
 * relay knows it only through NetworkView and Uplink (./network-port.ts).
 */
export class Network implements NetworkView {
  private readonly roster = new RemoteRoster();
  private timer: NodeJS.Timeout | null = null;
  private readonly serverId: string;

  constructor(
    private readonly server: ConferenceServer,
    private readonly link: Interlink,
    private readonly log: OperatorLog,
    private readonly now: () => number = Date.now,
  ) {
    this.serverId = link.serverId;
  }

  /** Builds the interlink from the config (a ConfigError for unreadable creds or TLS files). */
  static create(server: ConferenceServer, config: InterlinkConfig, log: OperatorLog): Network {
    const link = new Interlink({
      servers: config.servers,
      serverId: config.serverId,
      credsFile: config.credsFile,
      tlsCa: config.tlsCa,
      tlsCert: config.tlsCert,
      tlsKey: config.tlsKey,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    return new Network(server, link, log);
  }

  async start(): Promise<void> {
    this.link.on('frame', ({ room, origin, frame }) => this.server.deliverRemote(room, frame, origin));
    this.link.on('presence', (m) => this.onPresence(m));
    this.link.on('state', ({ connected, state }) => {
      // The interlink logs its own state changes in words; here they become events.
      this.server.networkEvent({ type: 'interlink', at: this.now(), connected, state });
      // The others learn everything at once rather than at the next snapshot.
      if (connected) this.publishSnapshot();
    });
    this.server.on('event', (e) => this.onLocalEvent(e));
    this.server.attachNetwork(this.link, this);
    this.timer = setInterval(() => this.tick(), PRESENCE_SNAPSHOT_INTERVAL_MS);
    this.timer.unref();
    await this.link.start();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.link.close();
  }

  private tick(): void {
    this.publishSnapshot();
    this.applyChanges(this.roster.expire(this.now()));
  }

  private publishSnapshot(): void {
    this.link.publishPresence({ v: 1, kind: 'snapshot', server: this.serverId, at: this.now(), stations: this.server.localPresence() });
  }

  /** This server's own stations, told to the others (remote events carry `server` and are never told back). */
  private onLocalEvent(e: ServerEvent): void {
    const base = { v: 1 as const, server: this.serverId, at: e.at };
    switch (e.type) {
      case 'station_joined':
        this.link.publishPresence({ ...base, kind: 'join', callsign: e.callsign, room: e.room });
        break;
      case 'station_left':
        this.link.publishPresence({ ...base, kind: 'leave', callsign: e.callsign, room: e.room, reason: e.reason });
        break;
      case 'station_timeout':
        this.link.publishPresence({ ...base, kind: 'leave', callsign: e.callsign, room: e.room, reason: 'timeout' });
        break;
      case 'room_changed':
        this.link.publishPresence({ ...base, kind: 'room', callsign: e.callsign, from: e.from, to: e.to });
        break;
      case 'ptt_start':
      case 'ptt_stop':
        if (e.server === undefined) this.link.publishPresence({ ...base, kind: 'talk', callsign: e.callsign, room: e.room, talking: e.type === 'ptt_start' });
        break;
      default:
        break;
    }
  }

  private onPresence(m: PresenceMessage): void {
    if (m.kind === 'hold') {
      this.server.applyHold(m.action, m.callsign, m.until, m.server);
      return;
    }
    // A join carries the time its server admitted the station, by that server's clock.
    // The duplicate rule needs it: both servers must compare the same two times, and the
    // times of receipt differ by the transit each way (two joins that cross would each look
    // later than the local one, and both servers would keep the callsign).
    // A snapshot carries each station's exact admission time the same way.
    const inSnapshot = m.kind === 'snapshot' ? new Map(m.stations.map((s) => [s.callsign, s.joined_at])) : null;
    const joinedAt = (call: string): number | undefined => (m.kind === 'join' ? m.at : inSnapshot?.get(call));
    this.applyChanges(this.roster.apply(m, this.now()), joinedAt);
  }

  private applyChanges(changes: RosterChange[], joinedAt: (callsign: string) => number | undefined = () => undefined): void {
    const at = this.now();
    for (const c of changes) {
      switch (c.type) {
        case 'joined': {
          this.log.remoteStation(c.callsign, c.server, c.room, true);
          this.server.networkEvent({ type: 'remote_joined', at, callsign: c.callsign, room: c.room, server: c.server });
          this.resolveDuplicate(c.callsign, c.server, joinedAt(c.callsign));
          break;
        }
        case 'left':
          this.log.remoteStation(c.callsign, c.server, c.room, false);
          this.server.networkEvent({ type: 'remote_left', at, callsign: c.callsign, room: c.room, server: c.server });
          break;
        case 'moved':
          this.server.networkEvent({ type: 'remote_left', at, callsign: c.callsign, room: c.from, server: c.server });
          this.server.networkEvent({ type: 'remote_joined', at, callsign: c.callsign, room: c.room, server: c.server });
          break;
        case 'talk':
          this.server.networkEvent({ type: c.talking ? 'ptt_start' : 'ptt_stop', at, callsign: c.callsign, room: c.room, server: c.server });
          break;
      }
    }
  }

  /**
   * Two servers admitted one callsign at about the same time (each before it heard of
   * the other): both apply the same rule, so exactly one keeps it.
   */
  private resolveDuplicate(callsign: string, server: string, joinedAtMs: number | undefined): void {
    const local = this.server.localJoin(callsign);
    const remote = this.roster.holder(callsign);
    if (local === null || remote === undefined) return;
    const theirs = joinedAtMs !== undefined && remote.server === server ? joinedAtMs : remote.joinedAtMs;
    if (!wins({ joinedAtMs: local, server: this.serverId }, { joinedAtMs: theirs, server: remote.server })) this.server.dropDuplicate(callsign, remote.server);
  }

  // NetworkView

  holder(callsign: string): RemoteHolder | undefined {
    const h = this.roster.holder(callsign);
    return h === undefined ? undefined : { server: h.server, room: h.room };
  }

  countByRoom(): Map<string, number> {
    return this.roster.countByRoom();
  }

  rosterOf(room: string, nowMs: number): RosterEntry[] {
    return this.roster.inRoom(room).map((s) => ({
      callsign: s.callsign,
      connectedS: Math.max(0, Math.round((nowMs - s.joinedAtMs) / 1000)),
      talking: s.talking,
      server: s.server,
    }));
  }

  remoteStations(nowMs: number): RemoteStationStats[] {
    return this.roster.stats(nowMs);
  }

  talkingIn(room: string): string[] {
    return this.roster
      .inRoom(room)
      .filter((s) => s.talking)
      .map((s) => s.callsign);
  }

  shareHold(action: HoldAction, callsign: string, untilMs: number | null): void {
    this.link.publishPresence({ v: 1, kind: 'hold', server: this.serverId, at: this.now(), action, callsign, until: untilMs });
  }

  stats(nowMs: number): InterlinkStats {
    const s = this.link.stats();
    return { ...s, frames_rejected: s.frames_rejected + this.server.counters.remoteRejected, peers: this.roster.peers(nowMs) };
  }
}
