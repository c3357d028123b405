import type { IncomingMessage } from 'node:http';
import { ANNOUNCE_MAX_CHARS } from '../protocol/ext.js';
import type { BanEntry } from './holds.js';

/** GET /api/v1/bans */
export interface BanList {
  bans: BanEntry[];
}

/** POST /api/v1/stations/<call>/unban: the shape of the kick/ban result. */
export interface UnbanResult {
  ok: boolean;
  action: 'unban';
  callsign: string;
  message: string;
}

/** A JSON body is read up to this size; beyond it the request is refused (413). */
const MAX_BODY_BYTES = 4096;

/** The body of POST /api/v1/announce: {"text": "..."}, bounded in bytes and characters. */
export async function readAnnouncement(req: IncomingMessage): Promise<{ ok: true; text: string } | { ok: false; status: number; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return { ok: false, status: 413, message: `body larger than ${MAX_BODY_BYTES} bytes` };
    }
    chunks.push(c);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON; expected {"text": "..."}' };
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, status: 400, message: 'expected {"text": "..."} with a non-empty text' };
  if ([...text].length > ANNOUNCE_MAX_CHARS) return { ok: false, status: 400, message: `text longer than ${ANNOUNCE_MAX_CHARS} characters` };
  return { ok: true, text };
}
