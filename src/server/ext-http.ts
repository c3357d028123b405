import { announceRequestSchema, ANNOUNCE_TOO_LONG } from '../contract/ext.js';

/** The body of POST /api/v1/announce: {"text": "..."} (the stats channel bounds its size), bounded in characters. */
export function parseAnnouncement(body: Buffer): { ok: true; text: string } | { ok: false; status: number; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON; expected {"text": "..."}' };
  }
  const r = announceRequestSchema.safeParse(parsed);
  if (r.success) return { ok: true, text: r.data.text };
  if (r.error.issues.some((i) => i.message === ANNOUNCE_TOO_LONG)) return { ok: false, status: 400, message: `text ${ANNOUNCE_TOO_LONG}` };
  return { ok: false, status: 400, message: 'expected {"text": "..."} with a non-empty text' };
}
