import type { InterlinkStats, RemoteStationStats, ServerEvent } from '../contract/stats.js';
import type { RosterEntry } from '../protocol/ext.js';
import { readStationId, tryDecodeCallsign } from '../protocol/index.js';
import type { InterlinkConfig } from './config.js';
import { Interlink } from './interlink.js';
import { PRESENCE_SNAPSHOT_INTERVAL_MS, type HoldAction, type PresenceMessage } from './interlink-presence.js';
import { InterlinkTrust } from './interlink-trust.js';
import type { OperatorLog } from './log.js';
import { LogLimiter } from './log-limit.js';
import { checkOwnLine, readPeers, readServerKey } from './peers.js';
import { WatchedFile } from './watched-file.js';
import type { NetworkView, RemoteHolder } from './network-port.js';
import { RemoteRoster, wins, type RosterChange } from './remote-roster.js';
import type { ConferenceServer } from './server.js';

/**
 * Roster changes one peer may cause per second, and the burst (a whole snapshot of a
 * full server when it first appears). Each change is told to local stations and logged:
 * a peer that invents and drops stations faster than this has its presence refused
 * until its budget refills, so a storm cannot take the relay's time from local voice.
 */
export const PRESENCE_CHANGES_PER_S = 100;
export const PRESENCE_CHANGES_BURST = 2000;

class ChangeBudget {
  private readonly peers = new Map<string, { tokens: number; at: number }>();
  take(peer: string, cost: number, nowMs: number): boolean {
    let b = this.peers.get(peer);
    if (b === undefined) {
      if (this.peers.size >= 1024) this.peers.clear();
      b = { tokens: PRESENCE_CHANGES_BURST, at: nowMs };
      this.peers.set(peer, b);
    }
    b.tokens = Math.min(PRESENCE_CHANGES_BURST, b.tokens + ((nowMs - b.at) * PRESENCE_CHANGES_PER_S) / 1000);
    b.at = nowMs;
    if (cost > b.tokens) return false;
    b.tokens -= cost;
    return true;
  }
}

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
  private readonly budget = new ChangeBudget();
  private readonly logLimit: LogLimiter;
  private presenceRefused = 0;
  /** Frames from a peer for a station its presence does not list there (or a protected callsign it did not authenticate). */
  private framesUnlisted = 0;
  private readonly idCache = new Map<number, string | null>();
  private peersFile: string | null = null;
  private peersWatch: WatchedFile | null = null;

  constructor(
    private readonly server: ConferenceServer,
    private readonly link: Interlink,
    private readonly log: OperatorLog,
    private readonly now: () => number = Date.now,
  ) {
    this.serverId = link.serverId;
    this.logLimit = new LogLimiter((line) => log.warn(line), now);
  }

  /** Builds the interlink from the config (a ConfigError for unreadable creds or TLS files). */
  static create(server: ConferenceServer, config: InterlinkConfig, log: OperatorLog): Network {
    const trust = Network.trustOf(config);
    const link = new Interlink({
      trust,
      servers: config.servers,
      serverId: config.serverId,
      credsFile: config.credsFile,
      tlsCa: config.tlsCa,
      tlsCert: config.tlsCert,
      tlsKey: config.tlsKey,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    const n = new Network(server, link, log);
    n.peersFile = config.trust === 'signed' ? config.peersFile : null;
    return n;
  }

  /** The key and peers (ConfigErrors naming the file), or open trust when the sysop chose it. */
  private static trustOf(config: InterlinkConfig): InterlinkTrust {
    if (config.trust === 'open') return new InterlinkTrust({ serverId: config.serverId, mode: 'open', key: null, peers: new Map() });
    const key = readServerKey(config.serverKey!);
    const peers = readPeers(config.peersFile!);
    checkOwnLine(peers, config.serverId, key, config.peersFile!);
    return new InterlinkTrust({ serverId: config.serverId, mode: 'signed', key: key.privateKey, peers });
  }

  get trustOpen(): boolean {
    return this.link.trust.mode === 'open';
  }

  /** In words, for the start-up line. */
  get trustWords(): string {
    return this.link.trust.mode === 'open'
      ? 'interlink trust OPEN: any NATS publisher is believed (--interlink-trust open)'
      : `interlink signed: ${this.link.trust.peerCount} peer key${this.link.trust.peerCount === 1 ? '' : 's'} from ${this.peersFile ?? ''}`;
  }

  /** Re-reads the peers file (SIGHUP, or the file changed); a bad file keeps the previous peers. */
  reloadPeers(): void {
    const file = this.peersFile;
    if (file === null) return;
    try {
      const peers = readPeers(file);
      this.link.trust.setPeers(peers);
      this.log.info(`peers reloaded: ${peers.size} server key${peers.size === 1 ? '' : 's'} from ${file}`);
      // A server taken out of the file is not believed any more: its stations go now.
      for (const p of this.roster.peers(this.now())) if (!peers.has(p.server_id)) this.applyChanges(this.roster.dropServer(p.server_id));
    } catch (e) {
      this.log.warn(`peers not reloaded (the previous peers stay in force): ${(e as Error).message}`);
    }
  }

  /** Re-reads the peers file when it changes (the watcher of the authorized-keys file; SIGHUP reloads too). */
  watchPeers(): void {
    const file = this.peersFile;
    if (file === null || this.peersWatch !== null) return;
    this.peersWatch = new WatchedFile({
      file,
      onChange: () => this.reloadPeers(),
      onError: (when, e) => this.log.warn(when === 'start' ? `peers file not watched: ${e.message} (SIGHUP reloads)` : `peers file no longer watched: ${e.message} (SIGHUP still reloads)`),
    });
    this.peersWatch.start();
  }

  async start(): Promise<void> {
    this.link.on('frame', ({ room, origin, frame }) => this.onFrame(room, origin, frame));
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
    this.watchPeers();
    await this.link.start();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.peersWatch?.close();
    this.peersWatch = null;
    await this.link.close();
  }

  private tick(): void {
    this.logLimit.flush();
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
        this.link.publishPresence({ ...base, kind: 'join', callsign: e.callsign, room: e.room, auth: this.server.isAuthenticated(e.callsign) });
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

  /**
   * A peer's frame (its signature checked by the link): believed only for a station that
   * peer's presence lists in that room, that no other server holds by the network's rule,
   * and, for a callsign protected here, one that peer says proved its key.
   */
  private onFrame(room: string, origin: string, frame: Buffer): void {
    const id = readStationId(frame, 0);
    let callsign = this.idCache.get(id);
    if (callsign === undefined) {
      const d = tryDecodeCallsign(id);
      callsign = d.ok ? d.value : null;
      if (this.idCache.size >= 4096) this.idCache.clear();
      this.idCache.set(id, callsign);
    }
    const st = callsign === null ? undefined : this.roster.stationOf(origin, callsign);
    if (st === undefined || st.room !== room || this.roster.holder(st.callsign)?.server !== origin || (!st.authenticated && this.server.isProtected(st.callsign))) {
      this.framesUnlisted++;
      this.logLimit.say('frames for stations a peer does not hold', `NATS: frame from ${origin} for ${callsign ?? 'an invalid callsign'} in ${room}, which ${origin} does not hold there: dropped`);
      return;
    }
    this.server.deliverRemote(room, frame, origin);
  }

  private onPresence(m: PresenceMessage): void {
    // Each change costs local work (stations told, lines logged): a peer gets a budget of them.
    const cost = m.kind === 'snapshot' ? this.roster.snapshotChanges(m.server, m.stations.map((s) => s.callsign)) : 1;
    if (!this.budget.take(m.server, cost, this.now())) {
      this.presenceRefused++;
      this.logLimit.say('presence over the change budget', `NATS: presence from ${m.server} would change ${cost} stations, over its budget of ${PRESENCE_CHANGES_PER_S}/s: refused`);
      return;
    }
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
          this.logLimit.emit('remote stations joined', () => this.log.remoteStation(c.callsign, c.server, c.room, true));
          this.server.networkEvent({ type: 'remote_joined', at, callsign: c.callsign, room: c.room, server: c.server });
          this.resolveDuplicate(c.callsign, c.server, joinedAt(c.callsign));
          break;
        }
        case 'left':
          this.logLimit.emit('remote stations left', () => this.log.remoteStation(c.callsign, c.server, c.room, false));
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
    return {
      ...s,
      frames_rejected: s.frames_rejected + this.server.counters.remoteRejected + this.framesUnlisted,
      presence_rejected: s.presence_rejected + this.presenceRefused,
      peers: this.roster.peers(nowMs),
    };
  }
}
