/**
 * Presence between interlinked servers: the JSON each server publishes on
 * `opv.presence.<server-id>` so the others know who is on it, who talks, and which
 * callsigns the network keeps out. Pure codec: everything that arrives from NATS is
 * untrusted (another server's bug or a hostile publisher), so decoding checks sizes,
 * names and numbers and answers null rather than throwing.
 */
import { z } from 'zod';
import { tryOperatorCallsign } from '../protocol/callsign.js';
import { isServerId, normaliseRoom } from '../protocol/ext.js';
import type { HoldAction, PresenceStation } from './network-port.js';

// The relay's side of these types lives with the relay's port (./network-port.ts): the relay imports nothing of the interlink.
export type { HoldAction, PresenceStation };

export const PRESENCE_VERSION = 1;
/** Stations in one snapshot: a server with more is not a conference server. */
export const PRESENCE_MAX_STATIONS = 1000;
/** Bytes of one presence message; checked before parsing so a huge payload costs nothing. */
export const PRESENCE_MAX_BYTES = 256 * 1024;
/** How often each server publishes its full snapshot (and at each (re)connect). */
export const PRESENCE_SNAPSHOT_INTERVAL_MS = 5000;
export const PRESENCE_SUBJECT_PREFIX = 'opv.presence.';
/** Subscribes to every server's presence. */
export const PRESENCE_SUBJECT_ALL = `${PRESENCE_SUBJECT_PREFIX}*`;

export type PresenceLeaveReason = 'bye' | 'timeout' | 'kicked' | 'banned';
export type PresenceMessage =
  /** Every PRESENCE_SNAPSHOT_INTERVAL_MS and at (re)connect: all of the sender's stations. */
  | { v: 1; kind: 'snapshot'; server: string; at: number; stations: PresenceStation[] }
  | { v: 1; kind: 'join'; server: string; at: number; callsign: string; room: string; auth?: boolean }
  | { v: 1; kind: 'leave'; server: string; at: number; callsign: string; room: string; reason: PresenceLeaveReason }
  | { v: 1; kind: 'talk'; server: string; at: number; callsign: string; room: string; talking: boolean }
  | { v: 1; kind: 'room'; server: string; at: number; callsign: string; from: string; to: string }
  /** Network-wide kick/ban; `until` ms since epoch, null for a ban (no end). */
  | { v: 1; kind: 'hold'; server: string; at: number; action: HoldAction; callsign: string; until: number | null }
  /** The sender is shutting down cleanly: drop its stations now rather than after the timeout. */
  | { v: 1; kind: 'bye'; server: string; at: number };

export function presenceSubject(serverId: string): string {
  return `${PRESENCE_SUBJECT_PREFIX}${serverId}`;
}

/** Canonical callsigns only (upper-case, encodable, with a letter or digit): what the registry stores. */
const callsign = z.string().refine((s) => {
  if (s.length === 0 || s.length > 9) return false;
  const r = tryOperatorCallsign(s);
  return r.ok && r.value === s;
});
const room = z.string().refine((s) => s.length <= 16 && normaliseRoom(s) === s);
const serverId = z.string().refine((s) => s.length <= 32 && isServerId(s));
// Milliseconds since the epoch; the year 2100 is a generous upper bound that keeps arithmetic exact.
const epochMs = z.number().int().min(0).max(4_102_444_800_000);
const seconds = z.number().int().min(0).max(10 ** 10);

// Unknown keys are stripped rather than refused: a later v1 sender may add a field
// without cutting itself off from older servers. An unknown kind or version is refused.
const base = { v: z.literal(PRESENCE_VERSION), server: serverId, at: epochMs };
const schema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('snapshot'),
    stations: z.array(z.object({ callsign, room, talking: z.boolean(), connected_s: seconds, joined_at: epochMs.optional(), auth: z.boolean().optional() })).max(PRESENCE_MAX_STATIONS),
  }),
  z.object({ ...base, kind: z.literal('join'), callsign, room, auth: z.boolean().optional() }),
  z.object({ ...base, kind: z.literal('leave'), callsign, room, reason: z.enum(['bye', 'timeout', 'kicked', 'banned']) }),
  z.object({ ...base, kind: z.literal('talk'), callsign, room, talking: z.boolean() }),
  z.object({ ...base, kind: z.literal('room'), callsign, from: room, to: room }),
  z.object({ ...base, kind: z.literal('hold'), action: z.enum(['kick', 'ban', 'unban']), callsign, until: epochMs.nullable() }),
  z.object({ ...base, kind: z.literal('bye') }),
]);

// The schema's output type must be exactly the message type (compile-time check).
type SchemaOut = z.infer<typeof schema>;
const _sameType: [SchemaOut, PresenceMessage] extends [PresenceMessage, SchemaOut] ? true : never = true;
void _sameType;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodePresence(m: PresenceMessage): Uint8Array {
  return encoder.encode(JSON.stringify(m));
}

/** Bytes from NATS → the message; null when too big, not UTF-8 JSON, or not a valid v1 message. */
export function decodePresence(data: Uint8Array): PresenceMessage | null {
  if (data.byteLength === 0 || data.byteLength > PRESENCE_MAX_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return null;
  }
  const r = schema.safeParse(value);
  return r.success ? r.data : null;
}
