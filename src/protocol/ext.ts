/**
 * The opv server extension (docs/EXTENSIONS.md): control-channel text messages by which
 * an opv server tells opv stations who is on, why they are refused, and what the sysop
 * announces. Pure codec: no sockets, no timers.
 *
 * A station opts in by sending `OPV-EXT:1`; only then does the server send it anything
 * of this; reference stations never announce and never see it.
 */
import { encodeCallsign } from './callsign.js';
import { frameMessage } from './frames.js';
import type { MessageBuilder } from './message.js';

export const EXT_VERSION = 1;
/** Station → server: "I understand extension version N". */
export const EXT_ANNOUNCE_PREFIX = 'OPV-EXT:';
/** Server → station: every extension message starts with this. */
export const EXT_PREFIX = 'OPV:';
/**
 * The station id the server sends as. Reserved: the server never relays a frame that
 * carries it, so a station that receives it from the server's address knows it is
 * the server's own word.
 */
export const SERVER_CALLSIGN = 'OPV-SRV';
export const SERVER_STATION_ID = encodeCallsign(SERVER_CALLSIGN);
/** Roster entries per ROSTER message: keeps each message within four 134-byte frames. */
export const ROSTER_CHUNK = 24;
/** The longest announcement, in characters (a few frames of UTF-8). */
export const ANNOUNCE_MAX_CHARS = 200;

export type RefusalReason = 'in_use' | 'banned' | 'kicked' | 'full' | 'not_allowed' | 'auth_required';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['in_use', 'banned', 'kicked', 'full', 'not_allowed', 'auth_required'];
export type LeaveReason = 'bye' | 'timeout' | 'kicked' | 'banned';
const LEAVE_REASONS: readonly LeaveReason[] = ['bye', 'timeout', 'kicked', 'banned'];

export interface RosterEntry {
  callsign: string;
  /** Seconds since the server admitted it. */
  connectedS: number;
  talking: boolean;
  /** Proved its callsign with a key (a 4th field `:1`; absent from servers without authentication). */
  authenticated?: boolean;
}

export type ExtMessage =
  | { type: 'welcome'; version: number; timeoutS: number }
  | { type: 'roster'; snapshot: number; part: number; parts: number; entries: RosterEntry[] }
  | { type: 'join'; callsign: string }
  | { type: 'leave'; callsign: string; reason: LeaveReason }
  | { type: 'talk'; callsign: string; talking: boolean }
  /** A station proved its callsign with a key (after its JOIN, or when it authenticates later). */
  | { type: 'verified'; callsign: string }
  /** retryAt: Unix seconds from which trying again may succeed; null: not by waiting. */
  | { type: 'refused'; reason: RefusalReason; retryAt: number | null }
  | { type: 'announce'; text: string };

const CALL_RE = /^[A-Z0-9\-/.]{1,9}$/;

/** Removes what could move a terminal's cursor or hide text: C0/C1 controls, DEL, bidi overrides. */
export function sanitiseText(text: string, maxChars: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  const chars = [...clean];
  return chars.length > maxChars ? chars.slice(0, maxChars).join('') : clean;
}

export function formatExt(m: ExtMessage): string {
  switch (m.type) {
    case 'welcome':
      return `${EXT_PREFIX}WELCOME ${m.version} ${m.timeoutS}`;
    case 'roster':
      return `${EXT_PREFIX}ROSTER ${m.snapshot} ${m.part}/${m.parts}${m.entries.map((e) => ` ${e.callsign}:${e.connectedS}:${e.talking ? 1 : 0}${e.authenticated === true ? ':1' : ''}`).join('')}`;
    case 'join':
      return `${EXT_PREFIX}JOIN ${m.callsign}`;
    case 'leave':
      return `${EXT_PREFIX}LEAVE ${m.callsign} ${m.reason}`;
    case 'talk':
      return `${EXT_PREFIX}TALK ${m.callsign} ${m.talking ? 1 : 0}`;
    case 'verified':
      return `${EXT_PREFIX}VERIFIED ${m.callsign}`;
    case 'refused':
      return `${EXT_PREFIX}REFUSED ${m.reason} ${m.retryAt === null ? '-' : Math.ceil(m.retryAt)}`;
    case 'announce':
      return `${EXT_PREFIX}ANNOUNCE ${m.text}`;
  }
}

const int = (s: string | undefined): number | null => (s !== undefined && /^\d{1,12}$/.test(s) ? Number(s) : null);

/**
 * An extension message's text → the message; null for anything else, malformed or
 * unknown (a later version's message types are ignored, not errors).
 */
export function parseExt(text: string): ExtMessage | null {
  if (!text.startsWith(EXT_PREFIX)) return null;
  const body = text.slice(EXT_PREFIX.length);
  const sp = body.indexOf(' ');
  const type = sp < 0 ? body : body.slice(0, sp);
  const rest = sp < 0 ? '' : body.slice(sp + 1);
  const f = rest.split(' ');
  switch (type) {
    case 'WELCOME': {
      const version = int(f[0]);
      const timeoutS = int(f[1]);
      return version === null || timeoutS === null ? null : { type: 'welcome', version, timeoutS };
    }
    case 'ROSTER': {
      const snapshot = int(f[0]);
      const pm = /^(\d{1,6})\/(\d{1,6})$/.exec(f[1] ?? '');
      if (snapshot === null || !pm) return null;
      const part = Number(pm[1]);
      const parts = Number(pm[2]);
      if (part < 1 || part > parts) return null;
      const entries: RosterEntry[] = [];
      for (const e of f.slice(2)) {
        if (e === '') continue;
        const [call, conn, talk, auth] = e.split(':');
        const connectedS = int(conn);
        if (call === undefined || !CALL_RE.test(call) || connectedS === null || (talk !== '0' && talk !== '1')) return null;
        entries.push({ callsign: call, connectedS, talking: talk === '1', ...(auth === '1' ? { authenticated: true } : {}) });
      }
      return { type: 'roster', snapshot, part, parts, entries };
    }
    case 'JOIN':
      return CALL_RE.test(f[0] ?? '') && f.length === 1 ? { type: 'join', callsign: f[0]! } : null;
    case 'LEAVE': {
      const reason = LEAVE_REASONS.find((r) => r === f[1]);
      return CALL_RE.test(f[0] ?? '') && reason ? { type: 'leave', callsign: f[0]!, reason } : null;
    }
    case 'VERIFIED':
      return CALL_RE.test(f[0] ?? '') && f.length === 1 ? { type: 'verified', callsign: f[0]! } : null;
    case 'TALK':
      return CALL_RE.test(f[0] ?? '') && (f[1] === '0' || f[1] === '1') ? { type: 'talk', callsign: f[0]!, talking: f[1] === '1' } : null;
    case 'REFUSED': {
      const reason = REFUSAL_REASONS.find((r) => r === f[0]);
      const retryAt = f[1] === '-' ? null : int(f[1]);
      return reason && (retryAt !== null || f[1] === '-') ? { type: 'refused', reason, retryAt } : null;
    }
    case 'ANNOUNCE': {
      const t = sanitiseText(rest, ANNOUNCE_MAX_CHARS);
      return t ? { type: 'announce', text: t } : null;
    }
    default:
      return null;
  }
}

export interface ExtAnnounce {
  version: number;
  /** `OPV-EXT:1+`: "still here, I have your roster" — answered only by a server that did not know it. */
  refresh: boolean;
}

/** "OPV-EXT:1" (send me everything) or "OPV-EXT:1+" (refresh); null when the text is neither. */
export function parseExtAnnounce(text: string): ExtAnnounce | null {
  const m = /^OPV-EXT:(\d{1,6})(\+?)$/.exec(text);
  return m ? { version: Number(m[1]), refresh: m[2] === '+' } : null;
}

export function formatExtAnnounce(refresh: boolean): string {
  return `${EXT_ANNOUNCE_PREFIX}${EXT_VERSION}${refresh ? '+' : ''}`;
}

/** True for any control text of the extension, in either direction: the server never relays it. */
export function isExtText(text: string): boolean {
  return text.startsWith(EXT_PREFIX) || text.startsWith(EXT_ANNOUNCE_PREFIX);
}

/** A full roster → ROSTER messages of at most ROSTER_CHUNK entries (one, empty, for nobody). */
export function rosterMessages(snapshot: number, entries: readonly RosterEntry[]): ExtMessage[] {
  const parts = Math.max(1, Math.ceil(entries.length / ROSTER_CHUNK));
  const out: ExtMessage[] = [];
  for (let i = 0; i < parts; i++) {
    out.push({ type: 'roster', snapshot, part: i + 1, parts, entries: entries.slice(i * ROSTER_CHUNK, (i + 1) * ROSTER_CHUNK) });
  }
  return out;
}

/** One extension message → the 134-byte frames the server sends (as SERVER_CALLSIGN). */
export function extFrames(builder: MessageBuilder, m: ExtMessage): Buffer[] {
  return frameMessage(SERVER_STATION_ID, builder.control(formatExt(m))).map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
}
