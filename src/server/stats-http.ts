import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AdminActionResult, ServerEvent } from '../contract/stats.js';
import { STATS_API_PREFIX } from '../contract/stats.js';
import { normaliseCallsign } from '../protocol/index.js';
import type { ConferenceServer } from './server.js';
import { createMetrics } from './metrics.js';
import { readAnnouncement, type BanList, type UnbanResult } from './ext-http.js';

/**
 * The stats channel: JSON snapshot, Server-Sent Events, Prometheus metrics and the
 * sysop's kick/ban actions. Read endpoints need the token only when one is set;
 * actions always need it.
 */
export class StatsHttp {
  private readonly http: Server;
  private readonly clients = new Set<ServerResponse>();
  private tick: NodeJS.Timeout | null = null;
  private readonly metrics;
  private readonly onEvent = (e: ServerEvent): void => this.broadcast(e);
  port = 0;

  constructor(
    private readonly server: ConferenceServer,
    private readonly token: string | null,
  ) {
    this.metrics = createMetrics(() => server.snapshot());
    this.http = createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.json(res, 500, { error: (e as Error).message });
        else res.end();
      });
    });
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
    this.server.on('event', this.onEvent);
    this.tick = setInterval(() => {
      if (this.clients.size > 0) this.broadcast({ type: 'stats', at: Date.now(), stats: this.server.snapshot() });
    }, 1000);
  }

  async close(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.server.off('event', this.onEvent);
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
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
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (this.token !== null && !this.authorised(req)) {
      this.json(res, 401, { error: 'missing or wrong bearer token' });
      return;
    }
    if (req.method === 'GET' && path === `${STATS_API_PREFIX}/stats`) {
      this.json(res, 200, this.server.snapshot());
    } else if (req.method === 'GET' && path === `${STATS_API_PREFIX}/events`) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': opv stats channel\n\n');
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      this.write(res, { type: 'stats', at: Date.now(), stats: this.server.snapshot() });
    } else if (req.method === 'GET' && path === `${STATS_API_PREFIX}/bans`) {
      this.json(res, 200, { bans: this.server.bans() } satisfies BanList);
    } else if (req.method === 'POST' && path === `${STATS_API_PREFIX}/announce`) {
      if (this.token === null) {
        this.json(res, 403, { ok: false, message: 'admin actions are disabled: start the server with --stats-token' });
        return;
      }
      const body = await readAnnouncement(req);
      if (!body.ok) {
        this.json(res, body.status, { ok: false, message: body.message });
        return;
      }
      const r = this.server.announce(body.text);
      this.json(res, r.ok ? 200 : r.status, { ok: r.ok, message: r.message });
    } else if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': this.metrics.contentType });
      res.end(await this.metrics.metrics());
    } else {
      const m = new RegExp(`^${STATS_API_PREFIX}/stations/([^/]+)/(kick|ban|unban)$`).exec(path);
      if (m && req.method === 'POST') {
        const action = m[2] as 'kick' | 'ban' | 'unban';
        const callsign = normaliseCallsign(decodeURIComponent(m[1]!));
        if (this.token === null) {
          this.json(res, 403, { ok: false, action, callsign, message: 'admin actions are disabled: start the server with --stats-token' });
          return;
        }
        const r = action === 'kick' ? this.server.kick(callsign) : action === 'ban' ? this.server.ban(callsign) : this.server.unban(callsign);
        const result: AdminActionResult | UnbanResult = action === 'unban' ? { ok: r.ok, action, callsign, message: r.message } : { ok: r.ok, action, callsign, message: r.message };
        this.json(res, r.ok ? 200 : r.status, result);
      } else {
        this.json(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
      }
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private write(res: ServerResponse, e: ServerEvent): void {
    res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  }

  private broadcast(e: ServerEvent): void {
    for (const c of this.clients) this.write(c, e);
  }
}
