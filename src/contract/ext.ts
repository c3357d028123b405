/**
 * The sysop's extension endpoints of the stats channel (docs/EXTENSIONS.md): the ban list
 * and announcements. Server and opv admin share these types and schemas, as they do the
 * stats contract (./stats.ts), so neither guesses at the other's JSON.
 */
import { z } from 'zod';
import { ANNOUNCE_MAX_CHARS } from '../protocol/ext.js';

/** One ban, as GET /api/v1/bans lists it. */
export interface BanEntry {
  callsign: string;
  /** ms since the Unix epoch */
  since: number;
}

/** GET /api/v1/bans */
export interface BanList {
  bans: BanEntry[];
}

/** The body of POST /api/v1/announce. */
export interface AnnounceRequest {
  text: string;
}

export const banEntrySchema = z.looseObject({
  callsign: z.string({ error: 'must be a string' }),
  // An entry without a time (hand-written) is a ban since an unknown time.
  since: z.number({ error: 'must be a number' }).finite().catch(0).default(0),
}) satisfies z.ZodType<BanEntry>;

export const banListSchema = z.looseObject({ bans: z.array(banEntrySchema, { error: 'must be a list' }) }) satisfies z.ZodType<BanList>;

/** Said of an announcement over ANNOUNCE_MAX_CHARS characters (the server answers `text <this>`). */
export const ANNOUNCE_TOO_LONG = `longer than ${ANNOUNCE_MAX_CHARS} characters`;

export const announceRequestSchema = z.looseObject({
  text: z
    .string({ error: 'must be a string' })
    .refine((t) => t.trim() !== '', { error: 'must not be empty' })
    // Characters, not UTF-16 units: what the sysop counts and what the wire message bounds.
    .refine((t) => [...t].length <= ANNOUNCE_MAX_CHARS, { error: ANNOUNCE_TOO_LONG }),
}) satisfies z.ZodType<AnnounceRequest>;
