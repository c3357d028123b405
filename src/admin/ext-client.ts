import { STATS_API_PREFIX } from '../contract/stats.js';
import { banListSchema, type AnnounceRequest, type BanEntry } from '../contract/ext.js';
import { describeIssues } from '../util/zod-issue.js';

export type BanRow = BanEntry;

export type ExtResult = { ok: true; message: string } | { ok: false; message: string };

/** What the ban list and the announcement box need from the server. */
export interface ExtAdminSender {
  bans(): Promise<{ ok: true; bans: BanRow[] } | { ok: false; message: string }>;
  unban(callsign: string): Promise<ExtResult>;
  announce(text: string): Promise<ExtResult>;
}

const TIMEOUT_MS = 5000;

/**
 * The stats channel's ban list, unban and announce endpoints (docs/EXTENSIONS.md).
 * Never throws: a refusal or a network failure is a result with ok=false and one line.
 */
export class ExtAdminClient implements ExtAdminSender {
  private readonly base: string;

  constructor(url: string, private readonly token: string | null) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown } | { error: string }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const r = await fetch(`${this.base}${STATS_API_PREFIX}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await r.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // Described below by the status.
      }
      return { status: r.status, json };
    } catch (e) {
      return { error: `the server at ${this.base} did not answer (${(e as Error).message})` };
    }
  }

  private result(r: { status: number; json: unknown } | { error: string }): ExtResult {
    if ('error' in r) return { ok: false, message: r.error };
    const msg = (r.json as { message?: unknown; error?: unknown } | null)?.message ?? (r.json as { error?: unknown } | null)?.error;
    const text = typeof msg === 'string' ? msg : `HTTP ${r.status}`;
    if (r.status === 401) return { ok: false, message: 'the server refused the token (401): check --token' };
    return r.status === 200 ? { ok: true, message: text } : { ok: false, message: text };
  }

  async bans(): Promise<{ ok: true; bans: BanRow[] } | { ok: false; message: string }> {
    const r = await this.call('GET', '/bans');
    if ('error' in r || r.status !== 200) return { ok: false, message: this.result(r).message };
    if ((r.json as { bans?: unknown } | null)?.bans === undefined) return { ok: false, message: 'the server has no ban list (an older opv server?)' };
    const list = banListSchema.safeParse(r.json);
    if (!list.success) return { ok: false, message: `the server's ban list is malformed: ${describeIssues(list.error.issues)}` };
    return { ok: true, bans: list.data.bans };
  }

  async unban(callsign: string): Promise<ExtResult> {
    return this.result(await this.call('POST', `/stations/${encodeURIComponent(callsign)}/unban`));
  }

  async announce(text: string): Promise<ExtResult> {
    return this.result(await this.call('POST', '/announce', { text } satisfies AnnounceRequest));
  }
}
