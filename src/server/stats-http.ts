import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AdminActionResult, ServerEvent, ServerStats, StatsChannelStats } from '../contract/stats.js';
import { STATS_API_PREFIX } from '../contract/stats.js';
import { checkCallsign } from './acl.js';
import { DEFAULT_SERVER_CONFIG } from './config.js';
import type { ConferenceServer } from './server.js';
import type { Registry as PromRegistry } from 'prom-client';
import { parseAnnouncement } from './ext-http.js';
import type { BanList } from '../contract/ext.js';
import { eventInRoom, filterStatsByRoom, knownRooms } from '../contract/stats-room.js';
import { parseRoomQuery, StationRooms } from './stats-room-filter.js';
import { ConnectionGuard, DEFAULT_GUARD_LIMITS, type GuardLimits } from './stats-guard.js';
import { EventFanOut } from './stats-fanout.js';
import { OpvError } from '../errors.js';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'stats');

type AdminAction = 'kick' | 'ban' | 'unban';

/**
 * Bounds of the stats channel. It shares the relay's event loop, so everything a
 * client can make it do or hold is capped: nothing here may slow the relay.
 */
export const STATS_LIMITS = {
  /** Request bodies (the API takes none; a few bytes from a generic client are fine). */
  maxBodyBytes: 4096,
  /** Request line and headers (Node's default is 16 KiB). */
  maxHeaderBytes: 8192,
  /** A whole request must arrive within this, headers within headersTimeoutMs. */
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  /** A kept-alive connection with no new request is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often Node checks the header and request time-outs (its default, 30 s, lets a slowloris hold for that long). */
  checkIntervalMs: 1_000,
} as const;


interface Route {
  method: 'GET' | 'POST';
  match: (path: string) => string[] | null;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], body: Buffer, query: URLSearchParams) => Promise<void> | void;
}

/** A request the stats channel refuses, with the HTTP status it answers with. */
export class HttpError extends OpvError {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('OPV_HTTP_REQUEST', message);
  }
}

/**
 * The stats channel: JSON snapshot, Server-Sent Events, Prometheus metrics and the
 * sysop's kick/ban actions. Read endpoints need the token only when one is set;
 * actions always need it.
 */
export class StatsHttp {
  private readonly http: Server;
  /** Event streams, each with the room it is filtered to (null: all). */
  private readonly clients = new Map<ServerResponse, string | null>();
  private readonly stationRooms = new StationRooms();
  private tick: NodeJS.Timeout | null = null;
  /** Built at the first scrape: prom-client is a fifth of the server's start-up, and many servers are never scraped. */
  private metrics: Promise<PromRegistry> | null = null;
  private readonly onEvent = (e: ServerEvent): void => this.broadcast(e);
  private readonly maxEventClients: number;
  private readonly routes: Route[];
  /** Event streams refused for the cap. */
  refusedEventClients = 0;
  /** Who holds a connection: caps per source and in all, idle timer. */
  readonly guard: ConnectionGuard;
  private readonly fanOut: EventFanOut;
  /** The latest `stats` event: the snapshot, and its serialisations (whole and per room). */
  private lastStats: { at: number; stats: ServerStats; chunks: Map<string | null, Buffer> } | null = null;
  port = 0;

  constructor(
    private readonly server: ConferenceServer,
    private readonly token: string | null,
    opts: { maxEventClients?: number; guard?: Partial<GuardLimits> } = {},
  ) {
    this.maxEventClients = opts.maxEventClients ?? DEFAULT_SERVER_CONFIG.stats.maxEventClients;
    this.guard = new ConnectionGuard({ ...DEFAULT_GUARD_LIMITS, ...opts.guard });
    this.fanOut = new EventFanOut((res) => this.clients.delete(res), (text) => server.log.warn(text));
    const actionPath = new RegExp(`^${STATS_API_PREFIX}/stations/([^/]+)/(kick|ban|unban)$`);
    this.routes = [
      { method: 'GET', match: exact(`${STATS_API_PREFIX}/stats`), handle: (_q, res, _p, _b, query) => this.stats(res, query) },
      { method: 'GET', match: exact(`${STATS_API_PREFIX}/rooms`), handle: (_q, res) => this.json(res, 200, { rooms: this.snapshot().rooms }) },
      { method: 'GET', match: exact(`${STATS_API_PREFIX}/events`), handle: (req, res, _p, _b, query) => this.events(req, res, query) },
      { method: 'GET', match: exact('/metrics'), handle: (_q, res) => this.prometheus(res) },
      { method: 'GET', match: exact(`${STATS_API_PREFIX}/bans`), handle: (_q, res) => this.json(res, 200, { bans: this.server.bans() } satisfies BanList) },
      { method: 'POST', match: exact(`${STATS_API_PREFIX}/announce`), handle: (_q, res, _p, body) => this.announce(res, body) },
      { method: 'POST', match: (p) => actionPath.exec(p)?.slice(1) ?? null, handle: (_q, res, [call, action]) => this.action(res, call!, action as AdminAction) },
    ];
    this.http = createServer(
      {
        maxHeaderSize: STATS_LIMITS.maxHeaderBytes,
        requestTimeout: STATS_LIMITS.requestTimeoutMs,
        headersTimeout: STATS_LIMITS.headersTimeoutMs,
        keepAliveTimeout: STATS_LIMITS.keepAliveTimeoutMs,
        connectionsCheckingInterval: STATS_LIMITS.checkIntervalMs,
      },
      (req, res) => {
        this.guard.busy(req.socket, true);
        res.once('finish', () => this.guard.busy(req.socket, false));
        this.route(req, res).catch((e: unknown) => {
          const status = e instanceof HttpError ? e.status : 500;
          if (!res.headersSent) this.json(res, status, { error: (e as Error).message }, status === 413);
          else res.destroy();
        });
      },
    );
    this.http.on('connection', (socket: import('node:net').Socket) => {
      if (!this.guard.admit(socket)) dbg('connection from %s refused: over the connection caps (%o)', socket.remoteAddress, this.guard.figures);
    });
  }

  /** The server's snapshot with the stats channel's own figures. */
  snapshot(): ServerStats {
    return { ...this.server.snapshot(), stats_channel: this.channelStats() };
  }

  channelStats(): StatsChannelStats {
    const g = this.guard.figures;
    return {
      connections: g.open,
      connection_cap: this.guard.limits.globalMax,
      per_source_cap: this.guard.limits.perSourceMax,
      connections_refused: g.refused,
      connections_evicted: g.evicted,
      connections_idle_closed: g.idleClosed,
      event_clients: this.clients.size,
      event_clients_dropped: this.fanOut.dropped,
      event_clients_refused: this.refusedEventClients,
    };
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const a = this.http.address();
    this.port = a !== null && typeof a === 'object' ? a.port : port;
    this.stationRooms.seed(this.snapshot());
    this.server.on('event', this.onEvent);
    this.tick = setInterval(() => {
      if (this.clients.size > 0) this.broadcastStats();
    }, 1000);
  }

  async close(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.server.off('event', this.onEvent);
    this.fanOut.close();
    for (const c of this.clients.keys()) c.destroy();
    this.clients.clear();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Event streams open now. */
  get eventClients(): number {
    return this.clients.size;
  }

  private authorised(req: IncomingMessage): boolean {
    if (this.token === null) return false;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m) return false;
    const a = Buffer.from(m[1]!);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path: string;
    let query: URLSearchParams;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      path = url.pathname;
      query = url.searchParams;
    } catch {
      throw new HttpError(400, 'malformed request target');
    }
    if (this.token !== null && !this.authorised(req)) {
      this.json(res, 401, { error: 'missing or wrong bearer token' });
      return;
    }
    const body = await readBoundedBody(req, STATS_LIMITS.maxBodyBytes);
    const matching = this.routes.map((r) => ({ r, params: r.match(path) })).filter((x) => x.params !== null);
    if (matching.length === 0) {
      this.json(res, 404, { error: `no such endpoint: ${path}` });
      return;
    }
    const hit = matching.find((x) => x.r.method === req.method);
    if (!hit) {
      const allow = [...new Set(matching.map((x) => x.r.method))].join(', ');
      res.setHeader('allow', allow);
      this.json(res, 405, { error: `${req.method ?? 'this method'} is not allowed on ${path} (use ${allow})` });
      return;
    }
    await hit.r.handle(req, res, hit.params!, body, query);
  }

  /**
   * The room a request filters to (null: all), or the 400/404 answer already sent.
   * `stats` is the snapshot the room is looked up in.
   */
  private roomOf(res: ServerResponse, query: URLSearchParams, stats: () => ServerStats): string | null | undefined {
    const q = parseRoomQuery(query);
    if (!q.ok) {
      this.json(res, 400, { error: q.reason });
      return undefined;
    }
    if (q.room !== null && !knownRooms(stats()).includes(q.room)) {
      this.json(res, 404, { error: `no room ${q.room}` });
      return undefined;
    }
    return q.room;
  }

  private stats(res: ServerResponse, query: URLSearchParams): void {
    const snap = this.snapshot();
    const room = this.roomOf(res, query, () => snap);
    if (room === undefined) return;
    this.json(res, 200, room === null ? snap : filterStatsByRoom(snap, room));
  }

  private async action(res: ServerResponse, rawCall: string, action: AdminAction): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawCall);
    } catch {
      this.json(res, 400, { ok: false, action, callsign: rawCall, message: 'malformed %-escape in the callsign' } satisfies AdminActionResult);
      return;
    }
    const c = checkCallsign(decoded);
    if (!c.ok) {
      this.json(res, 400, { ok: false, action, callsign: decoded, message: c.reason } satisfies AdminActionResult);
      return;
    }
    const callsign = c.callsign;
    if (this.token === null) {
      this.json(res, 403, { ok: false, action, callsign, message: 'admin actions are disabled: start the server with --stats-token' } satisfies AdminActionResult);
      return;
    }
    const r = action === 'kick' ? this.server.kick(callsign) : action === 'ban' ? this.server.ban(callsign) : this.server.unban(callsign);
    this.json(res, r.ok ? 200 : r.status, { ok: r.ok, action, callsign, message: r.message } satisfies AdminActionResult);
  }

  private announce(res: ServerResponse, body: Buffer): void {
    if (this.token === null) {
      this.json(res, 403, { ok: false, message: 'admin actions are disabled: start the server with --stats-token' });
      return;
    }
    const a = parseAnnouncement(body);
    if (!a.ok) {
      this.json(res, a.status, { ok: false, message: a.message });
      return;
    }
    const r = this.server.announce(a.text);
    this.json(res, r.ok ? 200 : r.status, { ok: r.ok, message: r.message });
  }

  private async prometheus(res: ServerResponse): Promise<void> {
    this.metrics ??= import('./metrics.js').then((m) => m.createMetrics(() => this.snapshot()));
    const registry = await this.metrics;
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
  }

  private events(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const room = this.roomOf(res, query, () => this.latestStats());
    if (room === undefined) return;
    if (this.clients.size >= this.maxEventClients) {
      this.refusedEventClients++;
      res.setHeader('retry-after', '10');
      this.json(res, 503, { error: `too many event streams (${this.maxEventClients}, --max-event-clients)` });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': opv stats channel\n\n');
    this.clients.set(res, room);
    this.guard.streaming(req.socket);
    req.socket.setNoDelay(true);
    res.on('close', () => {
      this.clients.delete(res);
      this.fanOut.forget(res);
    });
    this.fanOut.push(this.statsChunk(false, room), [res], true);
  }

  private json(res: ServerResponse, status: number, body: unknown, close = false): void {
    if (status >= 400) dbg('%s %s %s refused %d: %o', res.req.socket.remoteAddress, res.req.method, res.req.url, status, body);
    res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
    res.end(JSON.stringify(body));
  }

  private broadcast(e: ServerEvent): void {
    this.stationRooms.before(e);
    if (this.clients.size > 0) {
      const chunk = sse(e);
      const roomOf = (c: string): string | undefined => this.stationRooms.get(c);
      const to: ServerResponse[] = [];
      for (const [c, room] of this.clients) if (room === null || eventInRoom(e, room, roomOf)) to.push(c);
      this.fanOut.push(chunk, to, false);
    }
    this.stationRooms.after(e);
  }

  private broadcastStats(): void {
    this.statsChunk(true, null);
    // One job per room view, each serialised once for all its streams.
    const byRoom = new Map<string | null, ServerResponse[]>();
    for (const [c, room] of this.clients) {
      let l = byRoom.get(room);
      if (l === undefined) byRoom.set(room, (l = []));
      l.push(c);
    }
    for (const [room, to] of byRoom) this.fanOut.push(this.statsChunk(false, room), to, true);
  }

  /** The latest snapshot if under a second old, else a new one. */
  private latestStats(): ServerStats {
    return this.statsChunkEntry(false).stats;
  }

  private statsChunkEntry(fresh: boolean): NonNullable<StatsHttp['lastStats']> {
    const now = Date.now();
    if (fresh || this.lastStats === null || now - this.lastStats.at >= 1000) {
      this.lastStats = { at: now, stats: this.snapshot(), chunks: new Map() };
    }
    return this.lastStats;
  }

  /**
   * The `stats` event for streams of one room (null: all), serialised. A new client
   * gets the latest one if it is under a second old, so clients connecting in a burst
   * cost one snapshot, not one each; each room's view is serialised once per snapshot
   * (rooms are few: the sysop configures them).
   */
  private statsChunk(fresh: boolean, room: string | null): Buffer {
    const entry = this.statsChunkEntry(fresh);
    let chunk = entry.chunks.get(room);
    if (chunk === undefined) {
      chunk = sse({ type: 'stats', at: entry.at, stats: room === null ? entry.stats : filterStatsByRoom(entry.stats, room) });
      entry.chunks.set(room, chunk);
    }
    return chunk;
  }
}

/** One event in the SSE format, encoded once for however many clients. */
function sse(e: ServerEvent): Buffer {
  return Buffer.from(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
}

function exact(path: string): (p: string) => string[] | null {
  return (p) => (p === path ? [] : null);
}

/** Reads a request body, refusing (413) one larger than `max`. */
function readBoundedBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new HttpError(413, `request body over ${max} bytes`));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const onData = (d: Buffer): void => {
      n += d.length;
      if (n > max) {
        cleanup();
        req.pause();
        reject(new HttpError(413, `request body over ${max} bytes`));
        return;
      }
      chunks.push(d);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
