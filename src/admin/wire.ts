import type { AdminActionResult, ServerEvent, ServerStats, StationStats } from '../contract/stats.js';

/**
 * What arrives on the stats channel, checked before the dashboard trusts it: a
 * server of another version (or something else on the port) gives a value saying
 * what is wrong, never an exception deep inside a panel.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STATS_NUMBERS = [
  'uptime_s', 'frames_received', 'frames_forwarded', 'decode_errors', 'rate_limited', 'timed_out_stations',
  'active_stations', 'voice_frames', 'text_frames', 'control_frames', 'data_frames', 'hijacks_refused', 'timeout_s',
] as const;
const STATION_NUMBERS = ['frames', 'bytes', 'last_seen_s', 'voice_frames', 'text_frames', 'control_frames', 'connected_s', 'timeout_in_s'] as const;

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function parseStation(v: unknown, where = 'station'): Parsed<StationStats> {
  if (!isObj(v)) return { ok: false, reason: `${where} is not an object` };
  if (typeof v.callsign !== 'string' || typeof v.endpoint !== 'string') return { ok: false, reason: `${where} lacks callsign/endpoint` };
  if (typeof v.talking !== 'boolean') return { ok: false, reason: `${where}.talking is not a boolean` };
  for (const k of STATION_NUMBERS) if (!finite(v[k])) return { ok: false, reason: `${where}.${k} is not a number` };
  return { ok: true, value: v as unknown as StationStats };
}

export function parseStats(v: unknown): Parsed<ServerStats> {
  if (!isObj(v)) return { ok: false, reason: 'stats are not a JSON object' };
  for (const k of STATS_NUMBERS) if (!finite(v[k])) return { ok: false, reason: `stats.${k} is not a number` };
  if (!Array.isArray(v.stations)) return { ok: false, reason: 'stats.stations is not a list' };
  for (let i = 0; i < v.stations.length; i++) {
    const s = parseStation(v.stations[i], `stats.stations[${i}]`);
    if (!s.ok) return s;
  }
  return { ok: true, value: v as unknown as ServerStats };
}

function strings(v: Obj, keys: readonly string[]): boolean {
  return keys.every((k) => typeof v[k] === 'string');
}

/** One SSE message (`event:` name, `data:` text) → a typed event. */
export function parseEvent(type: string, data: string): Parsed<ServerEvent> {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return { ok: false, reason: `event ${type}: data is not JSON` };
  }
  if (!isObj(v)) return { ok: false, reason: `event ${type}: data is not an object` };
  const t = typeof v.type === 'string' ? v.type : type;
  if (t !== type && type !== 'message') return { ok: false, reason: `event ${type}: data says type ${t}` };
  if (!finite(v.at)) return { ok: false, reason: `event ${t}: no timestamp` };
  const bad = (what: string): Parsed<ServerEvent> => ({ ok: false, reason: `event ${t}: ${what}` });
  switch (t) {
    case 'stats': {
      const s = parseStats(v.stats);
      return s.ok ? { ok: true, value: { type: 'stats', at: v.at, stats: s.value } } : bad(s.reason);
    }
    case 'station_joined':
      return strings(v, ['callsign', 'endpoint']) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign/endpoint');
    case 'station_left':
      return strings(v, ['callsign', 'endpoint', 'reason']) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign/endpoint/reason');
    case 'station_timeout':
      return strings(v, ['callsign', 'endpoint']) && finite(v.idle_s) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign/endpoint/idle_s');
    case 'endpoint_changed':
      return strings(v, ['callsign', 'from', 'to']) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign/from/to');
    case 'ptt_start':
    case 'ptt_stop':
      return strings(v, ['callsign']) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign');
    case 'hijack_refused':
      return strings(v, ['callsign', 'endpoint', 'holder']) ? { ok: true, value: v as unknown as ServerEvent } : bad('lacks callsign/endpoint/holder');
    default:
      return bad('unknown event type');
  }
}

export function parseActionResult(v: unknown): Parsed<AdminActionResult> {
  if (!isObj(v)) return { ok: false, reason: 'answer is not a JSON object' };
  if (typeof v.ok !== 'boolean' || typeof v.message !== 'string') return { ok: false, reason: 'answer lacks ok/message' };
  return { ok: true, value: v as unknown as AdminActionResult };
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
