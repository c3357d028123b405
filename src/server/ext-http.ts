import { ANNOUNCE_MAX_CHARS } from '../protocol/ext.js';
import type { BanEntry } from './holds.js';

/** GET /api/v1/bans */
export interface BanList {
  bans: BanEntry[];
}

/** The body of POST /api/v1/announce: {"text": "..."} (the stats channel bounds its size), bounded in characters. */
export function parseAnnouncement(body: Buffer): { ok: true; text: string } | { ok: false; status: number; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON; expected {"text": "..."}' };
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, status: 400, message: 'expected {"text": "..."} with a non-empty text' };
  if ([...text].length > ANNOUNCE_MAX_CHARS) return { ok: false, status: 400, message: `text longer than ${ANNOUNCE_MAX_CHARS} characters` };
  return { ok: true, text };
}
