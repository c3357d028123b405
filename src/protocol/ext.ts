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
/** `moved`: it went to another room (it is still on the server). */
export type LeaveReason = 'bye' | 'timeout' | 'kicked' | 'banned' | 'moved';
const LEAVE_REASONS: readonly LeaveReason[] = ['bye', 'timeout', 'kicked', 'banned', 'moved'];

export interface RosterEntry {
  callsign: string;
  /** Interlinked servers: the server-id of the server the station is on (a 5th field); absent for this server's own stations. */
  server?: string;
  /** Seconds since the server admitted it. */
  connectedS: number;
  talking: boolean;
  /** Proved its callsign with a key (a 4th field `:1`; absent from servers without authentication). */
  authenticated?: boolean;
}

export type ExtMessage =
  | { type: 'welcome'; version: number; timeoutS: number }
  | { type: 'roster'; snapshot: number; part: number; parts: number; entries: RosterEntry[] }
  /** server: the station is on another interlinked server (its server-id). */
  | { type: 'join'; callsign: string; server?: string }
  | { type: 'leave'; callsign: string; reason: LeaveReason }
  | { type: 'talk'; callsign: string; talking: boolean }
  /** A station proved its callsign with a key (after its JOIN, or when it authenticates later). */
  | { type: 'verified'; callsign: string }
  /** retryAt: Unix seconds from which trying again may succeed; null: not by waiting. */
  | { type: 'refused'; reason: RefusalReason; retryAt: number | null }
  | { type: 'announce'; text: string }
  /** The station is now in this room (after WELCOME, and after each room change). */
  | { type: 'room'; room: string }
  /** The rooms of this server (and its interlinked network) with how many stations each has. */
  | { type: 'rooms'; rooms: RoomCount[] }
  /** A room request named no room of this server: the station stays where it was. */
  | { type: 'no_room'; room: string };

export interface RoomCount {
  room: string;
  stations: number;
}

/** Room names: letters, digits and `-`, stored upper-case (they are also NATS subject tokens). */
export const ROOM_NAME_MAX = 16;
const ROOM_RE = /^[A-Z0-9](?:[A-Z0-9-]{0,15})$/;
/** Rooms one server hosts, its main room included (docs/EXTENSIONS.md): bounds the ROOMS message and the metrics' room labels. */
export const MAX_SERVER_ROOMS = 24;
/** The room of the main port when the sysop names none. */
export const DEFAULT_ROOM = 'MAIN';

/** A room name as typed (any case) → its canonical form, or null when it is not a room name. */
export function normaliseRoom(name: string): string | null {
  const up = name.trim().toUpperCase();
  return ROOM_RE.test(up) ? up : null;
}

/** Station → server: "move me to this room" (consumed by the server like `OPV-EXT:1`). */
export const ROOM_REQUEST_WORD = 'ROOM';
/** Station → server: "which rooms are there?". */
export const ROOMS_REQUEST_WORD = 'ROOMS';

export type StationExtRequest = { type: 'room'; room: string } | { type: 'rooms' };

export function formatStationExt(r: StationExtRequest): string {
  return r.type === 'room' ? `${EXT_ANNOUNCE_PREFIX}${ROOM_REQUEST_WORD} ${r.room}` : `${EXT_ANNOUNCE_PREFIX}${ROOMS_REQUEST_WORD}`;
}

/** `OPV-EXT:ROOM NAME` / `OPV-EXT:ROOMS` → the request; null for anything else (including a bad room name). */
export function parseStationExt(text: string): StationExtRequest | null {
  if (text === `${EXT_ANNOUNCE_PREFIX}${ROOMS_REQUEST_WORD}`) return { type: 'rooms' };
  const m = /^OPV-EXT:ROOM ([^ ]{1,16})$/.exec(text);
  if (!m) return null;
  const room = normaliseRoom(m[1]!);
  return room === null ? null : { type: 'room', room };
}

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
      return `${EXT_PREFIX}ROSTER ${m.snapshot} ${m.part}/${m.parts}${m.entries.map(rosterField).join('')}`;
    case 'join':
      return `${EXT_PREFIX}JOIN ${m.callsign}${m.server !== undefined ? ` ${m.server}` : ''}`;
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
    case 'room':
      return `${EXT_PREFIX}ROOM ${m.room}`;
    case 'rooms':
      return `${EXT_PREFIX}ROOMS${m.rooms.map((r) => ` ${r.room}:${r.stations}`).join('')}`;
    case 'no_room':
      return `${EXT_PREFIX}NO_ROOM ${m.room}`;
  }
}

function rosterField(e: RosterEntry): string {
  const auth = e.authenticated === true ? '1' : e.server !== undefined ? '0' : '';
  return ` ${e.callsign}:${e.connectedS}:${e.talking ? 1 : 0}${auth ? `:${auth}` : ''}${e.server !== undefined ? `:${e.server}` : ''}`;
}

/** Server ids share the room-name alphabet (they are NATS subject tokens too). */
export function isServerId(s: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,31})$/.test(s);
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
        const [call, conn, talk, auth, server] = e.split(':');
        const connectedS = int(conn);
        if (call === undefined || !CALL_RE.test(call) || connectedS === null || (talk !== '0' && talk !== '1')) return null;
        if (server !== undefined && !isServerId(server)) return null;
        entries.push({ callsign: call, connectedS, talking: talk === '1', ...(auth === '1' ? { authenticated: true } : {}), ...(server !== undefined ? { server } : {}) });
      }
      return { type: 'roster', snapshot, part, parts, entries };
    }
    case 'JOIN':
      if (!CALL_RE.test(f[0] ?? '') || f.length > 2) return null;
      if (f.length === 1) return { type: 'join', callsign: f[0]! };
      return isServerId(f[1]!) ? { type: 'join', callsign: f[0]!, server: f[1]! } : null;
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
    case 'ROOM':
    case 'NO_ROOM': {
      const room = f.length === 1 ? normaliseRoom(f[0]!) : null;
      return room === null || room !== f[0] ? null : { type: type === 'ROOM' ? 'room' : 'no_room', room };
    }
    case 'ROOMS': {
      const rooms: RoomCount[] = [];
      for (const e of rest === '' ? [] : f) {
        const m = /^([A-Z0-9-]{1,16}):(\d{1,6})$/.exec(e);
        if (!m || normaliseRoom(m[1]!) !== m[1]) return null;
        rooms.push({ room: m[1], stations: Number(m[2]) });
      }
      return { type: 'rooms', rooms };
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
