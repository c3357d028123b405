/**
 * The NATS interlink: one NATS connection per `opv server --nats`, carrying this
 * server's rooms to the other servers of the network and theirs to it.
 *
 * - Voice: each valid local frame is published unchanged, sealed with this server's
 *   sequence number and signature (./interlink-trust.ts), on `opv.room.<ROOM>.<server-id>`; the server subscribes `opv.room.<ROOM>.*` only while
 *   it has a local station in ROOM, so NATS (and its gateways and leaf nodes, which route
 *   by interest) carries a room only where someone listens. No echo: the client
 *   connects with noEcho, and frames are never republished (the server only relays
 *   received frames to local stations).
 * - Stale voice is worse than none: nothing is published while the link is down or
 *   stalled (nats.js would buffer it and replay it on reconnect), and a silently dead
 *   TCP link is found by a liveness probe within about 600 ms and replaced.
 * - Presence: JSON on `opv.presence.<server-id>` (./interlink-presence.ts), sealed the same
 *   way, validated on receipt; the server keeps the other servers' stations in a RemoteRoster.
 * - One connection at a time: nats.js's own reconnect is off. Its in-place redial can leave
 *   a connection it gave up on (a dial that timed out against a frozen nats-server) to
 *   finish later and, when that one closes, redial while the live connection stays open:
 *   two subscribed connections, every message twice. Here a connection that fails is
 *   closed (its socket destroyed) before a new one is made.
 *
 * Local fan-out never waits on this: publishFrame is synchronous and cheap.
 */
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, Events, type ConnectionOptions, type Msg, type NatsConnection, type Subscription, type TlsOptions } from 'nats';
import type { InterlinkStats } from '../contract/stats.js';
import { isServerId, normaliseRoom } from '../protocol/ext.js';
import { hasToken } from '../protocol/header.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { ConfigError } from './config.js';
import { parseNatsServers } from './nats-settings.js';

import { decodePresence, encodePresence, PRESENCE_MAX_BYTES, PRESENCE_SUBJECT_ALL, PRESENCE_SUBJECT_PREFIX, presenceSubject, type PresenceMessage } from './interlink-presence.js';
import { CONTROL_HEADER_BYTES, InterlinkTrust, SEALED_FRAME_SIZE } from './interlink-trust.js';
import { LogLimiter } from './log-limit.js';
import { RateLimiter } from './rate-limit.js';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'interlink');

export const ROOM_SUBJECT_PREFIX = 'opv.room.';
/** How often the liveness probe asks the NATS server for an answer (a PING/PONG). */
export const LIVENESS_PROBE_MS = 250;
/** No answer within this long: the link is stalled (silently dead), publishing stops and it is replaced. */
export const LIVENESS_DEADLINE_MS = 600;
/** Up to this much is added to each redial delay, so servers that lost one node do not all dial at once. */
export const RECONNECT_JITTER_MS = 100;
/** One connection attempt (TCP, TLS and the NATS handshake) gives up after this long. */
export const CONNECT_TIMEOUT_MS = 2000;
/** Before the first connection: retry delays grow from the first to the last, then stay there. */
const FIRST_CONNECT_RETRY_MS = [250, 500, 1000, 2000] as const;
/**
 * After a connection that was up is lost: the first redial is at once (a failover), later
 * ones slow down (each attempt against a frozen nats-server costs a socket until it thaws).
 */
const REDIAL_MS = [0, 250, 500, 1000, 2000] as const;
/** Rooms whose publish subject is cached (a server has few rooms; this only bounds a bug). */
const MAX_CACHED_SUBJECTS = 1024;
/**
 * Presence messages per second from one peer, and the burst: a server sends a snapshot
 * every 5 s plus one message per station event; a peer far beyond this is broken or hostile,
 * and its excess is dropped before it is parsed.
 */
export const PRESENCE_RATE_PER_S = 20;
export const PRESENCE_BURST = 200;
/** Drain on close waits this long for the NATS server before closing anyway. */
const CLOSE_DRAIN_MS = 2000;

export interface InterlinkOptions {
  /** NATS URLs (from --nats, comma-separated); user:pass@ or token@ in a URL are passed as credentials. */
  servers: string[];
  serverId: string;
  /** A NATS .creds file (JWT and nkey seed). */
  credsFile?: string | null;
  tlsCa?: string | null;
  tlsCert?: string | null;
  tlsKey?: string | null;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Seals what is published and checks what arrives; default: open trust (unsigned, any publisher believed). */
  trust?: InterlinkTrust;
}

export interface InterlinkEvents {
  /**
   * A 134-byte frame with the token, from ANOTHER server, for a room this server is
   * subscribed to. `frame` is a view into the bytes nats.js read: send it on at once,
   * or copy it before keeping it (a kept view pins the whole socket chunk).
   */
  frame: { room: string; origin: string; frame: Buffer };
  /** A validated presence message from another server (this server's own are never delivered). */
  presence: PresenceMessage;
  /** The link came up or went down; `state` says it in words. Send a presence snapshot on each `connected: true`. */
  state: { connected: boolean; state: string };
}

/** `opv.room.<ROOM>.<serverId>`. */
export function roomSubject(room: string, serverId: string): string {
  return `${ROOM_SUBJECT_PREFIX}${room}.${serverId}`;
}

/**
 * With TLS, the URLs must name hosts: nats.js checks a certificate against the host
 * name it dialled and, for an IP address, against "localhost", so an IP URL would fail
 * on every connection with a message that hides why. Said once, at start.
 */
function requireHostNames(servers: string[]): void {
  for (const u of servers) {
    const host = u.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
    if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
      throw new ConfigError(`--nats ${u}: with TLS, give the NATS server's host name as in its certificate (the client cannot check a certificate against an IP address)`);
    }
  }
}

function readConfigFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError(`cannot read the ${what} ${file}: ${why}`);
  }
}

/** A connection error in words for a sysop. */
function reasonOf(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  switch (code) {
    case 'CONNECTION_REFUSED':
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'TIMEOUT':
    case 'CONNECTION_TIMEOUT':
      return 'no answer';
    case 'AUTHORIZATION_VIOLATION':
    case 'BAD_AUTHENTICATION':
      return 'authorization refused (check the user, password, token or creds file)';
    case 'BAD_CREDS':
      return 'the creds file is not valid';
    default: {
      const msg = e instanceof Error ? e.message : String(e);
      return msg.split('\n')[0] ?? msg;
    }
  }
}

/** nats.js's protocol handler knows the socket state before its status events arrive (undocumented: guarded). */
interface ProtocolState {
  connected?: unknown;
}

export class Interlink extends TypedEmitter<InterlinkEvents> {
  readonly serverId: string;
  private readonly log: InterlinkOptions['log'];
  private readonly connectOpts: ConnectionOptions;
  /** For messages: the URLs without credentials. */
  private readonly display: string;
  private nc: NatsConnection | null = null;
  private proto: ProtocolState | null = null;
  private linkUp = false;
  private stalled = false;
  private closing = false;
  private started = false;
  private connectedWords = '';
  private stateWords = 'not started';
  private natsServer = '';
  private lastLogged = '';
  private firstConnectFailures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  /** performance.now() when the outstanding liveness probe was sent; null when none is. */
  private probeSince: number | null = null;
  private probeGen = 0;
  private lastProbeTick = 0;
  /** Rooms with a local station (wanted even while disconnected) and their live subscriptions. */
  private readonly wanted = new Set<string>();
  private readonly subs = new Map<string, Subscription>();
  private readonly pubSubjects = new Map<string, string>();
  private readonly ownPresenceSubject: string;
  private warnedDuplicateId = false;
  readonly trust: InterlinkTrust;
  /** Refusals said in the log: a few lines per cause, then one summary per interval. */
  readonly refusals: LogLimiter;
  private readonly presenceRate = new RateLimiter(PRESENCE_RATE_PER_S, PRESENCE_BURST, 1024);
  private redials = 0;
  /** URLs of the cluster's other nodes, told by the nats-server (its connect_urls): dialled after the configured ones. */
  private readonly discovered = new Set<string>();
  private readonly configured: string[];
  private readonly tls: boolean;
  private everConnected = false;
  private framesPublished = 0;
  private framesReceived = 0;
  private framesNotPublished = 0;
  private framesRejected = 0;
  private reconnects = 0;
  private stalls = 0;
  private presenceRejected = 0;

  /** Reads the creds and TLS files now: a missing one is a ConfigError naming it. */
  constructor(opts: InterlinkOptions) {
    super();
    if (!isServerId(opts.serverId)) {
      throw new ConfigError(`--server-id ${JSON.stringify(opts.serverId)} is not a server id: 1 to 32 letters, digits and "-", starting with a letter or digit`);
    }
    this.serverId = opts.serverId;
    this.log = opts.log;
    this.trust = opts.trust ?? new InterlinkTrust({ serverId: opts.serverId, mode: 'open', key: null, peers: new Map() });
    this.refusals = new LogLimiter((line) => this.log.warn(line), Date.now);
    this.ownPresenceSubject = presenceSubject(opts.serverId);
    const list = parseNatsServers(opts.servers);
    this.configured = list.servers;
    this.display = list.servers.join(',');
    if (opts.tlsCa || opts.tlsCert || list.servers.some((u) => u.startsWith('tls://'))) requireHostNames(list.servers);
    const tls: TlsOptions = {};
    if (opts.tlsCa) tls.ca = readConfigFile(opts.tlsCa, 'NATS TLS CA file');
    if (opts.tlsCert) tls.cert = readConfigFile(opts.tlsCert, 'NATS TLS certificate file');
    if (opts.tlsKey) tls.key = readConfigFile(opts.tlsKey, 'NATS TLS key file');
    if ((tls.cert === undefined) !== (tls.key === undefined)) throw new ConfigError('--nats-tls-cert and --nats-tls-key go together (a client certificate needs its key)');
    const creds = opts.credsFile ? readConfigFile(opts.credsFile, 'NATS creds file') : null;
    // Told URLs are addresses; a certificate names a host: with TLS only the configured URLs are dialled.
    this.tls = Object.keys(tls).length > 0 || list.servers.some((u) => u.startsWith('tls://'));
    this.connectOpts = {
      servers: list.servers,
      name: `opv-${opts.serverId}`,
      noEcho: true,
      // This class redials (see the top of the file); one connect() tries each URL once.
      reconnect: false,
      timeout: CONNECT_TIMEOUT_MS,
      // nats.js's own stale-connection check is the backstop; the liveness probe is faster.
      pingInterval: 5000,
      maxPingOut: 2,
      ...(list.user !== undefined ? { user: list.user, pass: list.pass ?? '' } : {}),
      ...(list.token !== undefined ? { token: list.token } : {}),
      ...(creds !== null ? { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) } : {}),
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
    };
  }

  /**
   * Connects in the background and resolves after the first attempt, connected or not:
   * a server never fails to start because NATS is down. Until it connects it retries
   * forever (saying so once in the log), and afterwards nats.js reconnects by itself.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.setState(false, `connecting to ${this.display}`);
    this.probeTimer = setInterval(() => this.probe(), LIVENESS_PROBE_MS);
    this.probeTimer.unref();
    await this.attempt();
  }

  get connected(): boolean {
    return this.linkUp && !this.stalled;
  }

  /**
   * Publishes one local frame of `room` to the other servers. Synchronous: when the
   * link is down or stalled the frame is counted (frames_not_published) and dropped,
   * never queued.
   */
  publishFrame(room: string, frame: Buffer): void {
    const nc = this.nc;
    if (nc === null || !this.linkUp || this.stalled || this.proto?.connected === false) {
      this.framesNotPublished++;
      return;
    }
    let subject = this.pubSubjects.get(room);
    if (subject === undefined) {
      if (normaliseRoom(room) !== room || this.pubSubjects.size >= MAX_CACHED_SUBJECTS) {
        this.framesNotPublished++;
        return;
      }
      subject = roomSubject(room, this.serverId);
      this.pubSubjects.set(room, subject);
    }
    try {
      nc.publish(subject, this.trust.sealFrame(subject, frame));
      this.framesPublished++;
    } catch {
      this.framesNotPublished++;
    }
  }

  /** Subscribes `room` while `on` (the server has a local station in it), unsubscribes when not. */
  setInterest(room: string, on: boolean): void {
    if (normaliseRoom(room) !== room) return;
    dbg('%s room %s', on ? 'subscribe' : 'unsubscribe', room);
    if (on) {
      this.wanted.add(room);
      this.subscribeRoom(room);
    } else {
      this.wanted.delete(room);
      const sub = this.subs.get(room);
      this.subs.delete(room);
      if (sub) {
        try {
          sub.unsubscribe();
        } catch {
          // Closed connection: nothing to unsubscribe from.
        }
      }
    }
  }

  /** Publishes one presence message; false when the link is down (the next snapshot repairs the others' view). */
  publishPresence(m: PresenceMessage): boolean {
    const nc = this.nc;
    if (nc === null || !this.linkUp || this.stalled) return false;
    try {
      nc.publish(this.ownPresenceSubject, this.trust.sealControl(this.ownPresenceSubject, encodePresence(m)));
      dbg('presence out: %s', m.kind);
      return true;
    } catch (e) {
      this.logOnce(`NATS: presence not published: ${reasonOf(e)}`);
      return false;
    }
  }

  /** `peers` is empty: the server fills it from its RemoteRoster. */
  stats(): InterlinkStats {
    return {
      server_id: this.serverId,
      connected: this.connected,
      nats_server: this.natsServer,
      state: this.stateWords,
      frames_published: this.framesPublished,
      frames_received: this.framesReceived,
      frames_not_published: this.framesNotPublished,
      frames_rejected: this.framesRejected,
      reconnects: this.reconnects,
      subscribed_rooms: [...this.wanted].sort(),
      peers: [],
      trust: this.trust.mode,
      ...this.trust.counters,
      presence_rejected: this.presenceRejected,
    };
  }

  /** Counters beyond the stats contract (for logs and tests). */
  extraStats(): { stalls: number; presence_rejected: number } {
    return { stalls: this.stalls, presence_rejected: this.presenceRejected };
  }

  /** Says bye to the other servers, drains, and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.retryTimer = this.probeTimer = null;
    const nc = this.nc;
    if (nc) {
      if (this.connected) {
        try {
          nc.publish(this.ownPresenceSubject, this.trust.sealControl(this.ownPresenceSubject, encodePresence({ v: 1, kind: 'bye', server: this.serverId, at: Date.now() })));
        } catch {
          // Closing anyway.
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_DRAIN_MS);
        });
        await Promise.race([nc.drain().catch(() => undefined), timeout]);
        clearTimeout(timer);
      }
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
    this.nc = null;
    this.proto = null;
    this.linkUp = false;
    this.setState(false, 'closed');
  }

  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this.closing) return;
    let nc: NatsConnection;
    try {
      nc = await connect({ ...this.connectOpts, servers: [...this.configured, ...[...this.discovered].filter((u) => !this.configured.includes(u))] });
    } catch (e) {
      if (this.closing) return;
      const delay = FIRST_CONNECT_RETRY_MS[Math.min(this.firstConnectFailures, FIRST_CONNECT_RETRY_MS.length - 1)]!;
      this.firstConnectFailures++;
      const words = `cannot connect to ${this.display}: ${reasonOf(e)}; retrying`;
      this.logOnce(`NATS: ${words}`);
      this.setState(false, words);
      this.retryTimer = setTimeout(() => void this.attempt(), delay);
      this.retryTimer.unref();
      return;
    }
    if (this.closing || this.nc !== null) {
      // Closing, or (a bug) a connection already live: never keep two.
      await nc.close().catch(() => undefined);
      return;
    }
    this.adopt(nc);
  }

  /** The live connection is given up: its socket is destroyed now, before any new one is dialled. */
  private drop(nc: NatsConnection, words: string): void {
    if (nc !== this.nc) return;
    this.nc = null;
    this.proto = null;
    this.linkUp = false;
    this.resetProbe();
    this.subs.clear();
    this.log.warn(`NATS: ${words}`);
    this.setState(false, words);
    nc.close().catch(() => undefined);
    if (this.closing) return;
    const delay = REDIAL_MS[Math.min(this.redials, REDIAL_MS.length - 1)]! + Math.random() * RECONNECT_JITTER_MS;
    this.redials++;
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    this.retryTimer.unref();
  }

  private adopt(nc: NatsConnection): void {
    this.nc = nc;
    const proto = (nc as unknown as { protocol?: unknown }).protocol;
    this.proto = typeof proto === 'object' && proto !== null ? proto : null;
    this.firstConnectFailures = 0;
    this.redials = 0;
    if (this.everConnected) this.reconnects++;
    const again = this.everConnected;
    this.everConnected = true;
    this.subs.clear();
    nc.subscribe(PRESENCE_SUBJECT_ALL, { callback: (err, msg) => (err ? undefined : this.onPresence(msg)) });
    for (const room of this.wanted) this.subscribeRoom(room);
    void this.watchStatus(nc);
    void nc.closed().then((err) => this.onClosed(nc, err));
    this.linkUp = true;
    this.stalled = false;
    this.resetProbe();
    this.natsServer = nc.getServer();
    if (!this.tls) {
      for (const u of nc.info?.connect_urls ?? []) {
        if (this.discovered.size >= 32) break;
        if (typeof u === 'string' && /^[\w.:[\]-]+$/.test(u)) this.discovered.add(`nats://${u}`);
      }
    }
    this.connectedWords = `${again ? 'reconnected' : 'connected'} to ${this.natsServer}`;
    this.log.info(`NATS: ${this.connectedWords} as ${this.serverId}`);
    this.lastLogged = '';
    this.setState(true, this.connectedWords);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (nc !== this.nc || this.closing) return;
      const data = typeof s.data === 'string' || typeof s.data === 'number' ? String(s.data) : '';
      switch (s.type) {
        case Events.Disconnect:
          // With reconnect off the connection closes next (onClosed); stop publishing now.
          this.linkUp = false;
          break;
        case Events.LDM:
          this.log.warn(`NATS: ${data || this.natsServer} is shutting down (lame duck mode); will move to another server`);
          break;
        case Events.Error:
          // Permission violations and the like: say each once, not per frame.
          this.logOnce(`NATS: the server reports: ${data}${s.permissionContext ? ` (${s.permissionContext.operation} ${s.permissionContext.subject})` : ''}`);
          break;
        default:
          break;
      }
    }
  }

  /** The connection closed (the nats-server went, or nats.js found it stale): a new one is dialled. */
  private onClosed(nc: NatsConnection, err: void | Error): void {
    if (nc !== this.nc || this.closing) return;
    this.drop(nc, `disconnected from ${this.natsServer}${err ? ` (${reasonOf(err)})` : ''}; reconnecting`);
  }

  /**
   * A PING/PONG round trip every LIVENESS_PROBE_MS. One unanswered for LIVENESS_DEADLINE_MS
   * means the TCP link died without closing (a cable, a NAT, a frozen host): stop
   * publishing at once and make nats.js drop the socket and dial again (the cluster's
   * other servers included).
   */
  private probe(): void {
    this.refusals.flush();
    const nc = this.nc;
    if (nc === null || !this.linkUp || this.closing) return;
    const now = performance.now();
    const lag = now - this.lastProbeTick;
    this.lastProbeTick = now;
    if (this.probeSince !== null && lag > 2 * LIVENESS_PROBE_MS) {
      // This process was busy (a blocked event loop, a loaded machine): the answer may
      // be sitting unread in the socket. Judge the link, not ourselves: a fresh deadline.
      this.probeSince = now;
      return;
    }
    if (this.probeSince !== null) {
      if (!this.stalled && now - this.probeSince > LIVENESS_DEADLINE_MS) {
        this.stalled = true;
        this.stalls++;
        this.drop(nc, `no answer from ${this.natsServer} for ${LIVENESS_DEADLINE_MS} ms; reconnecting`);
      }
      return;
    }
    const gen = ++this.probeGen;
    this.probeSince = now;
    const done = (): void => {
      if (gen === this.probeGen) this.probeSince = null;
    };
    nc.flush().then(done, done);
  }

  private resetProbe(): void {
    this.probeGen++;
    this.probeSince = null;
  }

  private subscribeRoom(room: string): void {
    const nc = this.nc;
    if (nc === null || this.subs.has(room)) return;
    const prefix = `${ROOM_SUBJECT_PREFIX}${room}.`;
    try {
      const sub: Subscription = nc.subscribe(`${prefix}*`, {
        callback: (err, msg) => {
          if (!err) this.onFrame(room, prefix, sub, msg);
        },
      });
      this.subs.set(room, sub);
    } catch (e) {
      this.logOnce(`NATS: cannot subscribe to room ${room}: ${reasonOf(e)}`);
    }
  }

  private onFrame(room: string, prefix: string, sub: Subscription, msg: Msg): void {
    const data = msg.data;
    // A late message of a room given up, or anything that is not one sealed frame, is dropped.
    if (this.subs.get(room) !== sub || data.byteLength !== SEALED_FRAME_SIZE || !hasToken(data) || !msg.subject.startsWith(prefix)) {
      dbg('frame in on %s dropped: %d bytes, not one sealed frame of this room', msg.subject, data.byteLength);
      this.framesRejected++;
      return;
    }
    const origin = msg.subject.slice(prefix.length);
    if (origin === this.serverId || !isServerId(origin)) {
      if (origin === this.serverId) this.warnDuplicateId();
      this.framesRejected++;
      return;
    }
    const frame = this.trust.openFrame(origin, msg.subject, data);
    if (frame === null) {
      dbg('frame in from %s refused by trust: %s', origin, this.trust.lastRefusal?.why);
      return this.refused();
    }
    this.framesReceived++;
    this.emit('frame', { room, origin, frame });
  }

  private onPresence(msg: Msg): void {
    const origin = msg.subject.slice(PRESENCE_SUBJECT_PREFIX.length);
    const data = msg.data;
    // Size first: a huge payload costs no signature check.
    if (data.byteLength > PRESENCE_MAX_BYTES + CONTROL_HEADER_BYTES || !isServerId(origin)) {
      dbg('presence in on %s dropped: %d bytes or not a server id', msg.subject, data.byteLength);
      this.presenceRejected++;
      return;
    }
    if (origin === this.serverId) {
      // noEcho keeps our own messages away: this is another server (or a copy) using our id.
      this.warnDuplicateId();
      this.presenceRejected++;
      return;
    }
    const json = this.trust.openControl(origin, msg.subject, data);
    if (json === null) {
      dbg('presence in from %s refused by trust: %s', origin, this.trust.lastRefusal?.why);
      return this.refused();
    }
    if (!this.presenceRate.allow(origin, Date.now())) {
      this.presenceRejected++;
      this.refusals.say('NATS: presence over the rate limit', `NATS: presence from ${origin} over ${PRESENCE_RATE_PER_S} messages/s: dropped`);
      return;
    }
    const m = decodePresence(json);
    if (m === null || m.server !== origin) {
      dbg('presence in from %s dropped: not a valid message', origin);
      this.presenceRejected++;
      this.refusals.say('NATS: presence not valid', `NATS: presence from ${origin} is not a valid message: dropped`);
      return;
    }
    dbg('presence in from %s: %s', origin, m.kind);
    this.emit('presence', m);
  }

  /** What the trust check refused, in the log: a few lines per cause, then a summary per interval. */
  private refused(): void {
    const r = this.trust.lastRefusal;
    if (r === null || r.why === 'duplicates_dropped') return;
    const words = { rejected_signature: 'a bad signature', rejected_replay: 'a replayed or stale sequence', rejected_unknown_peer: 'a sender not in the peers file' }[r.why];
    // The origin came from a subject checked by isServerId: letters, digits and "-" only.
    this.refusals.say(`NATS: refused (${r.why})`, `NATS: refused a message claiming to be from ${r.origin}: ${words}`);
  }

  private warnDuplicateId(): void {
    if (this.warnedDuplicateId) return;
    this.warnedDuplicateId = true;
    this.log.warn(`NATS: another server publishes as server-id ${this.serverId}; give each server its own --server-id`);
  }

  private logOnce(msg: string): void {
    if (msg === this.lastLogged) return;
    this.lastLogged = msg;
    this.log.warn(msg);
  }

  private setState(connected: boolean, words: string): void {
    this.stateWords = words;
    this.emit('state', { connected, state: words });
  }
}
