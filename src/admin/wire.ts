import type { z } from 'zod';
import type { AdminActionResult, ServerEvent, ServerStats } from '../contract/stats.js';
import { adminActionResultSchema, serverEventSchema, serverStatsSchema } from '../contract/stats-schema.js';
import { describeIssues } from '../util/zod-issue.js';

/**
 * What arrives on the stats channel, checked before the dashboard trusts it: a
 * server of another version (or something else on the port) gives a value saying
 * what is wrong, never an exception deep inside a panel. The checks are the zod
 * schemas of the contract (src/contract/stats-schema.ts).
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function check<T>(schema: z.ZodType<T>, v: unknown, root: string): Parsed<T> {
  const r = schema.safeParse(v, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: describeIssues(r.error.issues, root) };
}

export function parseStats(v: unknown): Parsed<ServerStats> {
  return check(serverStatsSchema, v, 'stats');
}

const EVENT_TYPES: ReadonlySet<string> = new Set(serverEventSchema.options.map((o) => o.shape.type.value));

/** One SSE message (`event:` name, `data:` text) → a typed event. */
export function parseEvent(type: string, data: string): Parsed<ServerEvent> {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return { ok: false, reason: `event ${type}: data is not JSON` };
  }
  if (!isObj(v)) return { ok: false, reason: `event ${type}: data is not an object` };
  // The `event:` line names the type; the payload may repeat it, and must then agree.
  const t = typeof v.type === 'string' ? v.type : type;
  if (t !== type && type !== 'message') return { ok: false, reason: `event ${type}: data says type ${t}` };
  if (!EVENT_TYPES.has(t)) return { ok: false, reason: `event ${t}: unknown event type` };
  const r = check(serverEventSchema, { ...v, type: t }, 'data');
  return r.ok ? r : { ok: false, reason: `event ${t}: ${r.reason}` };
}

export function parseActionResult(v: unknown): Parsed<AdminActionResult> {
  return check(adminActionResultSchema, v, 'answer');
}

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Incremental Server-Sent Events parser (the subset of the WHATWG rules a server
 * sends: `event:`, `data:` lines, comments, blank-line dispatch; CRLF or LF).
 */
export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];
  /** Caps one message so a runaway stream cannot grow memory without bound. */
  static readonly MAX_BUFFER = 16 * 1024 * 1024;

  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\n|\r/)) >= 0) {
      // A lone CR at the very end may be the first half of CRLF: wait for more.
      if (this.buf[nl] === '\r' && nl === this.buf.length - 1) break;
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + (this.buf.startsWith('\r\n', nl) ? 2 : 1));
      this.line(line, out);
    }
    if (this.buf.length > SseParser.MAX_BUFFER) this.buf = '';
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
