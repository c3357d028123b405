import http from 'node:http';
import https from 'node:https';
import type { AdminActionResult, ServerEvent, ServerStats } from '../contract/stats.js';
import { STATS_API_PREFIX, STATS_TOKEN_ENV } from '../contract/stats.js';
import { banListSchema, type AnnounceRequest, type BanEntry } from '../contract/ext.js';
import { describeIssues } from '../util/zod-issue.js';
import { debugLog } from '../util/debug-log.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { parseActionResult, parseEvent, parseStats, SseParser } from './wire.js';
import { OpvError } from '../errors.js';

/**
 * The admin's one HTTP client for the stats channel: one-shot JSON requests, the live
 * SSE stream with reconnection, the kick/ban actions and the extension's ban list,
 * unban and announce (docs/EXTENSIONS.md). Every failure a user can cause (server
 * down, wrong token, wrong URL) becomes one plain sentence.
 */

export type ClientErrorKind = 'url' | 'unreachable' | 'unauthorized' | 'forbidden' | 'http' | 'protocol';

export class StatsClientError extends OpvError {
  override readonly name = 'StatsClientError';
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
  ) {
    super('OPV_STATS_CLIENT', message);
  }
}

export type ConnectionStatus = 'connecting' | 'connected' | 'unreachable' | 'unauthorized' | 'failed' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** One line for the screen. */
  message: string;
  /** When the next attempt starts, if one is scheduled. */
  retryInMs: number | null;
}

export interface StatsClientOptions {
  url: string;
  token?: string | null;
  /** First reconnect delay; doubles per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** The stream counts as dead after this long without a byte (the server sends stats every second). */
  staleMs?: number;
  /** One-shot request timeout. */
  requestTimeoutMs?: number;
}

export interface StatsClientEvents {
  state: ConnectionState;
  /** A stats snapshot, with the server's timestamp. */
  stats: { stats: ServerStats; at: number };
  /** Any other event (joins, PTT …). */
  event: ServerEvent;
  /** Something the server sent that could not be understood (the stream goes on). */
  problem: string;
}

/** Reconnect delay after `attempt` consecutive failures (0-based). */
export function backoffMs(attempt: number, initialMs = 500, maxMs = 5000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
}

/** Checks and normalises the base URL (no trailing slash). */
export function parseBaseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StatsClientError('url', `--url must be an http:// or https:// URL, got "${url}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StatsClientError('url', `--url must be an http:// or https:// URL, got "${url}"`);
  }
  u.pathname = u.pathname.replace(/\/+$/, '');
  u.search = '';
  u.hash = '';
  return u;
}

/** A network failure as one line. */
export function describeNetworkError(err: unknown, url: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
  };
  const reason = why[code] ?? (err instanceof Error ? err.message : String(err));
  return `cannot reach the opv stats channel at ${url}: ${reason} (is \`opv server\` running with its stats channel?)`;
}

/** A refused HTTP answer as one line. */
export function describeStatus(status: number, body: string, url: string, hasToken: boolean): { kind: ClientErrorKind; message: string } {
  if (status === 401) {
    return {
      kind: 'unauthorized',
      message: hasToken
        ? `the server at ${url} refused the token (401): check --token or ${STATS_TOKEN_ENV} against its --stats-token`
        : `the server at ${url} needs a token (401): pass --token or set ${STATS_TOKEN_ENV}`,
    };
  }
  const serverMessage = messageOf(body);
  if (status === 403) return { kind: 'forbidden', message: `refused by the server (403)${serverMessage ? `: ${serverMessage}` : ''}` };
  if (status === 404 && !serverMessage) return { kind: 'http', message: `${url} is not an opv stats channel (404)` };
  return { kind: 'http', message: `the server answered ${status}${serverMessage ? `: ${serverMessage}` : ''}` };
}

function messageOf(body: string): string {
  try {
    const v: unknown = JSON.parse(body);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.message === 'string') return o.message;
      if (typeof o.error === 'string') return o.error;
    }
  } catch {
    // Not JSON: say nothing rather than dump a page of HTML.
  }
  return '';
}

export type BanRow = BanEntry;

export type ExtResult = { ok: true; message: string } | { ok: false; message: string };

/** What the ban list and the announcement box need from the server. */
export interface ExtAdminSender {
  bans(): Promise<{ ok: true; bans: BanRow[] } | { ok: false; message: string }>;
  unban(callsign: string): Promise<ExtResult>;
  announce(text: string): Promise<ExtResult>;
}

function jsonOrNull(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface RawAnswer {
  status: number;
  body: string;
}

const log = debugLog('admin', 'http');

export class StatsClient extends TypedEmitter<StatsClientEvents> implements ExtAdminSender {
  private readonly base: URL;
  /** The base URL's path without trailing slashes ('' for the root). */
  private readonly basePath: string;
  private readonly token: string | null;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly staleMs: number;
  private readonly requestTimeoutMs: number;
  private current: ConnectionState = { status: 'closed', message: 'not connected', retryInMs: null };
  private req: http.ClientRequest | null = null;
  private attempt = 0;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastByteAt = 0;
  private closed = false;

  constructor(opts: StatsClientOptions) {
    super();
    this.base = parseBaseUrl(opts.url);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.token = opts.token ? opts.token : null;
    this.initialBackoffMs = opts.initialBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.staleMs = opts.staleMs ?? 5000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
  }

  /** The base URL as the user should read it. */
  get url(): string {
    return this.base.href.replace(/\/$/, '');
  }

  get hasToken(): boolean {
    return this.token !== null;
  }

  get state(): ConnectionState {
    return this.current;
  }

  private endpoint(path: string): URL {
    const u = new URL(this.base.href);
    u.pathname = this.basePath + path;
    return u;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, authorization: `Bearer ${this.token}` } : extra;
  }

  private transport(): typeof http | typeof https {
    return this.base.protocol === 'https:' ? https : http;
  }

  private request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RawAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = this.headers(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
    return new Promise((resolve, reject) => {
      const req = this.transport().request(this.endpoint(path), { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => reject(new StatsClientError('unreachable', describeNetworkError(e, this.url))));
      });
      req.setTimeout(this.requestTimeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(new StatsClientError('unreachable', describeNetworkError(e, this.url))));
      req.end(payload);
    });
  }

  /** GET /api/v1/stats, checked. Throws StatsClientError with a one-line message. */
  async fetchStats(): Promise<ServerStats> {
    const { value } = await this.fetchStatsRaw();
    return value;
  }

  /** The stats as parsed JSON and as the exact text the server sent (for `--json`). */
  async fetchStatsRaw(): Promise<{ value: ServerStats; text: string }> {
    const r = await this.request('GET', `${STATS_API_PREFIX}/stats`);
    log('GET %s/stats → %d, %d bytes', STATS_API_PREFIX, r.status, r.body.length);
    if (r.status !== 200) {
      const d = describeStatus(r.status, r.body, this.url, this.hasToken);
      throw new StatsClientError(d.kind, d.message);
    }
    let json: unknown;
    try {
      json = JSON.parse(r.body);
    } catch {
      throw new StatsClientError('protocol', `${this.url} did not answer with JSON: is it an opv stats channel?`);
    }
    const p = parseStats(json);
    if (!p.ok) throw new StatsClientError('protocol', `unexpected stats from ${this.url}: ${p.reason}`);
    return { value: p.value, text: r.body };
  }

  /** POST a kick or ban. Never throws: a refusal or network failure is a result with ok=false. */
  async action(action: 'kick' | 'ban', callsign: string): Promise<AdminActionResult> {
    const fail = (message: string): AdminActionResult => ({ ok: false, action, callsign, message });
    let r: RawAnswer;
    try {
      r = await this.request('POST', `${STATS_API_PREFIX}/stations/${encodeURIComponent(callsign)}/${action}`);
    } catch (e) {
      return fail(errorText(e));
    }
    const p = parseActionResult(jsonOrNull(r.body));
    log('POST %s %s → %d', action, callsign, r.status);
    if (r.status === 200 && p.ok) return p.value;
    if (r.status === 401 || r.status === 403 || !p.ok) return fail(describeStatus(r.status, r.body, this.url, this.hasToken).message);
    return { ...p.value, ok: false };
  }

  /** GET the ban list. Never throws: a refusal or network failure is ok=false with one line. */
  async bans(): Promise<{ ok: true; bans: BanRow[] } | { ok: false; message: string }> {
    let r: RawAnswer;
    try {
      r = await this.request('GET', `${STATS_API_PREFIX}/bans`);
    } catch (e) {
      return { ok: false, message: errorText(e) };
    }
    log('GET %s/bans → %d', STATS_API_PREFIX, r.status);
    if (r.status !== 200) return { ok: false, message: this.refusal(r) };
    const json = jsonOrNull(r.body);
    if (typeof json !== 'object' || json === null || !('bans' in json)) return { ok: false, message: 'the server has no ban list (an older opv server?)' };
    const list = banListSchema.safeParse(json);
    if (!list.success) return { ok: false, message: `the server's ban list is malformed: ${describeIssues(list.error.issues)}` };
    return { ok: true, bans: list.data.bans };
  }

  unban(callsign: string): Promise<ExtResult> {
    return this.simple('POST', `/stations/${encodeURIComponent(callsign)}/unban`);
  }

  announce(text: string): Promise<ExtResult> {
    return this.simple('POST', '/announce', { text } satisfies AnnounceRequest);
  }

  /** A request whose answer is one sentence: the server's own message, or the status described. */
  private async simple(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ExtResult> {
    let r: RawAnswer;
    try {
      r = await this.request(method, `${STATS_API_PREFIX}${path}`, body);
    } catch (e) {
      return { ok: false, message: errorText(e) };
    }
    log('%s %s%s → %d', method, STATS_API_PREFIX, path, r.status);
    if (r.status === 200) return { ok: true, message: messageOf(r.body) || 'done' };
    return { ok: false, message: this.refusal(r) };
  }

  /** A refusal in one line: the server's reason where it gave one (a token problem always described). */
  private refusal(r: RawAnswer): string {
    const own = r.status === 401 ? '' : messageOf(r.body);
    return own || describeStatus(r.status, r.body, this.url, this.hasToken).message;
  }

  /** Opens the live stream; reconnects by itself until close(). */
  start(): void {
    if (this.closed || this.req || this.retryTimer) return;
    this.connect();
  }

  private setState(s: ConnectionState): void {
    log('%s: %s%s', s.status, s.message, s.retryInMs !== null ? ` (retry in ${s.retryInMs} ms)` : '');
    this.current = s;
    this.emit('state', s);
  }

  private connect(): void {
    this.retryTimer = null;
    const gen = ++this.generation;
    this.setState({ status: 'connecting', message: `connecting to ${this.url} …`, retryInMs: null });
    this.lastByteAt = Date.now();
    const req = this.transport().get(
      this.endpoint(`${STATS_API_PREFIX}/events`),
      { headers: this.headers({ accept: 'text/event-stream' }), agent: false },
      (res) => {
        if (gen !== this.generation) return;
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (gen !== this.generation) return;
            const d = describeStatus(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), this.url, this.hasToken);
            this.fail(d.kind === 'unauthorized' ? 'unauthorized' : 'failed', d.message);
          });
          return;
        }
        this.attempt = 0;
        this.setState({ status: 'connected', message: `connected to ${this.url}`, retryInMs: null });
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (gen !== this.generation) return;
          this.lastByteAt = Date.now();
          for (const m of parser.push(chunk)) this.dispatch(m.event, m.data);
        });
        res.on('end', () => {
          if (gen === this.generation) this.fail('unreachable', `the server at ${this.url} closed the stream (restarting?)`);
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', (e) => {
      if (gen === this.generation) this.fail('unreachable', describeNetworkError(e, this.url));
    });
    req.on('close', () => {
      if (gen === this.generation && this.req === req) this.fail('unreachable', `lost the connection to ${this.url}`);
    });
    this.req = req;
    this.watchdog ??= setInterval(() => {
      if (this.req && Date.now() - this.lastByteAt > this.staleMs) {
        this.fail('unreachable', `no data from ${this.url} for ${Math.round(this.staleMs / 1000)} s`);
      }
    }, Math.min(1000, this.staleMs));
  }

  private dispatch(type: string, data: string): void {
    const p = parseEvent(type, data);
    if (!p.ok) {
      log('bad %s event: %s', type, p.reason);
      this.emit('problem', p.reason);
      return;
    }
    if (p.value.type === 'stats') this.emit('stats', { stats: p.value.stats, at: p.value.at });
    else this.emit('event', p.value);
  }

  /** Drops the current stream and schedules the next attempt. */
  private fail(status: ConnectionStatus, message: string): void {
    this.generation++;
    const req = this.req;
    this.req = null;
    req?.destroy();
    if (this.closed) return;
    const delay = backoffMs(this.attempt++, this.initialBackoffMs, this.maxBackoffMs);
    this.setState({ status, message, retryInMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.retryTimer = null;
    this.watchdog = null;
    const req = this.req;
    this.req = null;
    req?.destroy();
    this.setState({ status: 'closed', message: 'closed', retryInMs: null });
  }
}
