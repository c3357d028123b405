/**
 * One line of the history index (index.jsonl) as a schema: the file is on disk, so it is
 * input like any other — a line that is torn (power cut) or not what opv writes is
 * skipped, never trusted by a cast. Objects are loose so that fields written by a newer
 * opv survive a rewrite of the index by an older one.
 */
import { z } from 'zod';
import type { ChatEntry, TransmissionEntry } from './types.js';

const id = z.number().int().nonnegative();
const direction = z.enum(['in', 'out']);
const time = z.number();

const chatSchema = z.looseObject({
  id,
  type: z.literal('chat'),
  direction,
  callsign: z.string(),
  at: time,
  text: z.string(),
  delivery: z.enum(['held', 'delayed', 'undelivered', 'unconfirmed']).optional(),
  sentAt: time.optional(),
}) satisfies z.ZodType<ChatEntry>;

const transmissionSchema = z.looseObject({
  id,
  type: z.literal('transmission'),
  direction,
  callsign: z.string(),
  at: time,
  durationMs: z.number().nonnegative(),
  frames: z.number().int().nonnegative(),
  framesLost: z.number().int().nonnegative(),
  open: z.boolean(),
  recovered: z.boolean().optional(),
}) satisfies z.ZodType<TransmissionEntry>;

/** A line of the index: an entry, or the mark that an entry was removed (the last line for an id wins). */
export const historyLineSchema = z.discriminatedUnion('type', [chatSchema, transmissionSchema, z.looseObject({ id, type: z.literal('removed') })]);

export type HistoryLine = z.infer<typeof historyLineSchema>;

/** The line's entry or removal mark; null for a line that is not one (skipped, as a torn line is). */
export function parseHistoryLine(line: string): HistoryLine | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const r = historyLineSchema.safeParse(json);
  return r.success ? r.data : null;
}
