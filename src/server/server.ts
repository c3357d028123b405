import type { RemoteInfo } from 'node:dgram';
import type { RoomCount } from '../protocol/ext.js';
import type { ServerEvent, ServerStats } from '../contract/stats.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { AccessList } from './acl.js';
import { AdmissionGate } from './admission.js';
import { Admissions } from './admissions.js';
import { StationAuthority } from './auth.js';
import type { ServerConfig } from './config.js';
import { newCounters, type Counters, type NetworkLink, type ServerParts } from './core.js';
import { defaultStateDir, Holds } from './holds.js';
import type { BanEntry } from '../contract/ext.js';
import { Inbound } from './inbound.js';
import { Inspector } from './inspector.js';
import { Lifecycle } from './lifecycle.js';
import type { OperatorLog } from './log.js';
import type { HoldAction, NetworkView, PresenceStation, Uplink } from './network-port.js';
import { Presence } from './presence.js';
import { RateLimiter } from './rate-limit.js';
import { Registry } from './registry.js';
import { Relay } from './relay.js';
import type { Room } from './room.js';
import { Rooms } from './rooms.js';
import { takeSnapshot } from './snapshot.js';
import { CallsignCache } from './station-ids.js';
import { Sysop, type AdminOutcome } from './sysop.js';
import { UdpTransport } from './transport.js';
import { returnEndpoint } from './endpoint.js';
import { WatchedFile } from './watched-file.js';
import type { SocketStats } from '../contract/stats.js';
import { SocketWatch, type BufferGrant } from './socket-stats.js';
import { ServerAlerts } from './alerts.js';

export type { AdminOutcome } from './sysop.js';
export type { Counters } from './core.js';

export interface ConferenceServerEvents {
  event: ServerEvent;
}

/**
 * The conference relay, as its composition root: builds the parts and wires them, and is
 * the one face the CLI, the stats channel and the network talk to. The parts:
 *   transport.ts   UDP sockets (one per room port)
 *   relay.ts       the hot path: validate → rate-limit → admit → forward → inspect
 *   admissions.ts  first messages and authentication; admission-policy.ts decides
 *   rooms.ts       which room, moves between rooms, the interlink's interest
 *   lifecycle.ts   leaving (bye, kick, ban, timeout) and the once-a-second sweep
 *   sysop.ts       kick, ban, unban, announce, reloads
 *   inbound.ts     what the network hands in (remote frames, holds, duplicates)
 *   snapshot.ts    the figures for the stats channel and the log
 */
export class ConferenceServer extends TypedEmitter<ConferenceServerEvents> {
  readonly counters: Counters = newCounters();
  /** Station authentication (docs/EXTENSIONS.md): sessions bind protected callsigns to an endpoint. */
  readonly auth: StationAuthority;
  readonly registry = new Registry();
  /** Bans (persisted) and kick hold-downs. */
  readonly holds: Holds;
  /** The opv extension: roster, refusal reasons, announcements (docs/EXTENSIONS.md). */
  readonly presence: Presence;
  /** Rooms by name: the main port's first. */
  readonly rooms: Map<string, Room>;
  private readonly roomSet: Rooms;
  private readonly transport: UdpTransport;
  private readonly net: NetworkLink = { uplink: null, view: null };
  private readonly relay: Relay;
  private readonly inbound: Inbound;
  private readonly sysop: Sysop;
  private readonly lifecycle: Lifecycle;
  private readonly snapshotDeps: Parameters<typeof takeSnapshot>[0];
  private keysWatch: WatchedFile | null = null;
  /** What the kernel granted for the relay's sockets; their drop counters, read once a second. */
  bufferGrant: BufferGrant | null = null;
  private socketWatch: SocketWatch | null = null;
  private socketStats: SocketStats | null = null;
  /** Raised and cleared each sweep: decode errors, stuck PTT, floods, auth failures, lost peers, socket drops. */
  readonly alerts: ServerAlerts;
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: ServerConfig,
    readonly log: OperatorLog,
    now: () => number = Date.now,
  ) {
    super();
    this.now = now;
    const startedAt = now();
    this.holds = new Holds(config.stateDir ?? defaultStateDir());
    this.auth = new StationAuthority(config.auth);
    this.transport = new UdpTransport(
      config.host,
      (buf, rinfo, via) => this.relay.onDatagram(buf, rinfo, via),
      (room, err) => log.warn(`socket error (room ${room.name}): ${err.message}`),
    );
    this.presence = new Presence({
      registry: this.registry,
      send: (b, to) => this.transport.send(b, to),
      returnTo: (from) => returnEndpoint(from, config.referenceReturnPort),
      timeoutS: config.timeoutS,
      authenticated: (st) => this.auth.session(st.callsign)?.endpoint.key === st.endpoint.key,
      remoteRoster: (room, nowMs) => this.net.view?.rosterOf(room, nowMs) ?? [],
      roomCounts: () => this.roomSet.counts(),
    });
    const parts: ServerParts = {
      config,
      log,
      now,
      counters: this.counters,
      registry: this.registry,
      gate: new AdmissionGate(),
      inspector: new Inspector(),
      limiter: new RateLimiter(config.rateFps, config.burst),
      acl: new AccessList([...config.allow], [...config.deny], config.aclFile),
      holds: this.holds,
      auth: this.auth,
      presence: this.presence,
      transport: this.transport,
      net: this.net,
      event: (e, logIt) => {
        logIt();
        this.presence.onEvent(e, e.at);
        this.emit('event', e);
      },
      refused: (source) => this.alerts.noteRefused(source),
    };
    this.roomSet = new Rooms(config.port, config.rooms, parts);
    this.rooms = this.roomSet.byName;
    const rooms = this.roomSet;
    this.lifecycle = new Lifecycle({ ...parts, rooms });
    const lifecycle = this.lifecycle;
    const ids = new CallsignCache();
    const admissions = new Admissions({ ...parts, rooms, relayFrame: (st, f, nowMs) => this.relay.relayFrame(st, f, nowMs) });
    this.relay = new Relay({ ...parts, rooms, admissions, lifecycle, ids });
    this.inbound = new Inbound({ ...parts, rooms, lifecycle, ids });
    this.sysop = new Sysop({ ...parts, lifecycle });
    this.snapshotDeps = { ...parts, rooms, lifecycle, startedAt, socket: () => this.socketStats, alerts: (nowMs) => this.alerts.active(nowMs) };
    this.alerts = new ServerAlerts(
      config.alerts,
      {
        decodeErrors: () => this.counters.decodeErrors + parts.gate.rejectedMessages + parts.inspector.decodeErrors,
        authFailures: () => this.auth.failures + this.auth.tagFailures,
        socketDrops: () => (this.socketStats === null ? null : this.socketStats.kernel_rcvbuf_errors + this.socketStats.kernel_sndbuf_errors),
        talking: () => talkingCallsigns(this.registry),
        peers: (nowMs) => {
          const l = this.net.view?.stats(nowMs);
          return l ? { connected: l.connected, peers: l.peers } : null;
        },
      },
      (c) => parts.event(c, () => log.alert(c)),
    );
  }

  get boundPort(): number {
    return this.transport.boundPort;
  }

  get boundAddress(): string {
    return this.transport.boundAddress;
  }

  async start(): Promise<void> {
    await this.transport.start(this.rooms.values(), this.roomSet.main);
    this.bufferGrant = this.transport.sizeBuffers(this.config.udpRcvbufBytes, this.config.udpBufferBytes);
    if (this.bufferGrant !== null) {
      this.socketWatch = new SocketWatch(() => this.transport.ports(), this.bufferGrant);
      if (await this.socketWatch.start()) this.socketStats = await this.socketWatch.read();
    }
    this.sweepTimer = setInterval(() => this.sweep(), 1000);
    if (this.config.statsIntervalS > 0) {
      this.statsTimer = setInterval(() => this.log.statistics(this.snapshot(), false), this.config.statsIntervalS * 1000);
    }
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.sweepTimer = this.statsTimer = null;
    await this.transport.close();
  }

  /** Timeouts, talk ends and expiries: once a second on the real clock; public so a test on a fake clock runs it. */
  sweep(): void {
    this.lifecycle.sweep();
    // Read once a second off the relay's thread, never per frame or per stats request; the alerts see the last reading.
    void this.socketWatch?.read().then((s) => (this.socketStats = s));
    this.alerts.tick(this.now());
  }

  /** Links this server with the others: frames out through the uplink, decisions by the shared presence. */
  attachNetwork(uplink: Uplink, view: NetworkView): void {
    this.net.uplink = uplink;
    this.net.view = view;
    for (const r of this.rooms.values()) if (r.size > 0) uplink.setInterest(r.name, true);
  }

  /** The hot path (public so the benchmark can time it in-process). */
  onDatagram(buf: Buffer, rinfo: RemoteInfo, via = 0): void {
    this.relay.onDatagram(buf, rinfo, via);
  }

  /** Rooms with their stations, here and (interlinked) elsewhere. */
  roomCounts(): RoomCount[] {
    return this.roomSet.counts();
  }

  // What the network hands in (./inbound.ts).

  deliverRemote(roomName: string, buf: Buffer, origin: string): number {
    return this.inbound.deliverRemote(roomName, buf, origin);
  }

  applyHold(action: HoldAction, callsign: string, untilMs: number | null, fromServer: string): void {
    this.inbound.applyHold(action, callsign, untilMs, fromServer);
  }

  networkEvent(e: ServerEvent): void {
    this.inbound.networkEvent(e);
  }

  localJoin(callsign: string): number | null {
    return this.inbound.localJoin(callsign);
  }

  dropDuplicate(callsign: string, holder: string): void {
    this.inbound.dropDuplicate(callsign, holder);
  }

  localPresence(): PresenceStation[] {
    return this.inbound.localPresence().map((s) => ({ ...s, auth: this.isAuthenticated(s.callsign) }));
  }

  /** The local station `callsign` proved its key here (the network believes a protected callsign only from such a server). */
  isAuthenticated(callsign: string): boolean {
    const st = this.registry.get(callsign);
    return st !== undefined && this.auth.session(callsign)?.endpoint.key === st.endpoint.key;
  }

  /** `callsign` has a key in this server's authorized-keys file. */
  isProtected(callsign: string): boolean {
    return this.auth.protects(callsign);
  }

  // The sysop's actions (./sysop.ts).

  kick(callsign: string): AdminOutcome {
    return this.sysop.kick(callsign);
  }

  ban(callsign: string): AdminOutcome {
    return this.sysop.ban(callsign);
  }

  unban(callsign: string): AdminOutcome {
    return this.sysop.unban(callsign);
  }

  bans(): BanEntry[] {
    return this.sysop.bans();
  }

  announce(text: string): AdminOutcome {
    return this.sysop.announce(text);
  }

  reloadAcl(): void {
    this.sysop.reloadAcl();
  }

  /** Reads the authorized-keys file (a ConfigError naming file:line if it is bad). */
  loadKeys(): void {
    this.sysop.loadKeys();
  }

  reloadKeys(): void {
    this.sysop.reloadKeys();
  }

  /** Re-reads the keys file when it changes (SIGHUP reloads too). */
  watchKeys(): void {
    const file = this.config.authorizedKeys;
    if (file === null || this.keysWatch !== null) return;
    this.keysWatch = new WatchedFile({
      file,
      onChange: () => this.reloadKeys(),
      onError: (when, e) =>
        this.log.warn(when === 'start' ? `authorized keys not watched: ${e.message} (SIGHUP reloads)` : `authorized keys no longer watched: ${e.message} (SIGHUP still reloads)`),
    });
    this.keysWatch.start();
  }

  unwatchKeys(): void {
    this.keysWatch?.close();
    this.keysWatch = null;
  }

  snapshot(): ServerStats {
    return takeSnapshot(this.snapshotDeps);
  }
}

function* talkingCallsigns(registry: Registry): Iterable<string> {
  for (const s of registry.all()) if (s.talking) yield s.callsign;
}
