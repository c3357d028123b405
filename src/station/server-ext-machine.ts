import { formatExtAnnounce, formatStationExt, type ExtMessage, type RefusalReason, type RoomCount, type StationExtRequest } from '../protocol/ext.js';

/**
 * The station's side of the opv extension (docs/EXTENSIONS.md) as a pure state machine:
 * `extStep(state, event, ctx)` returns the next state and what to do. It decides when to
 * announce, when a silent server is taken for a reference server, when a room request
 * lost on the way is sent again, and what a refusal or a new WELCOME means. The shell
 * (server-ext.ts) owns the socket, the roster's contents and the clock, which it turns
 * into `tick` events.
 */

export interface Refusal {
  reason: RefusalReason;
  /** ms epoch from which trying again may succeed; null: waiting will not help. */
  retryAt: number | null;
  at: number;
}

/** Why a server is taken to have no rooms. */
export type NoRoomsReason = 'no_extension' | 'no_rooms';

/** Timing of the room exchange. */
export interface RoomTiming {
  /** No word from the extension at all this long after start: a reference server, no rooms. */
  noExtensionMs: number;
  /** WELCOME came but no OPV:ROOM this long after: an opv server without rooms. */
  noRoomAfterWelcomeMs: number;
  /** How long the room note waits for the new room's roster (to say how many are there). */
  rosterWaitMs: number;
  /** While transmitting, a queued request is retried this often. */
  queueRetryMs: number;
  /** A room request unanswered this long is sent again (UDP may lose it). */
  answerMs: number;
}

export const DEFAULT_ROOM_TIMING: RoomTiming = { noExtensionMs: 25_000, noRoomAfterWelcomeMs: 5_000, rosterWaitMs: 1_500, queueRetryMs: 250, answerMs: 3_000 };
/** A lost room request is sent again this many times, then given up. */
export const ROOM_REQUEST_RETRIES = 3;
/** Re-announcements while nothing has answered (a reference server never will). */
export const FIRST_RETRIES_MS = [5_000, 15_000] as const;
/**
 * While the server speaks the extension: "still here" (OPV-EXT:1+) alongside each keepalive,
 * so a restarted server learns within one keepalive interval that we speak it (and says why
 * it refuses us, e.g. "needs a key"): back on the extension within 3 s. A server that knows
 * us ignores it. Never more often than this:
 */
export const ALONG_KEEPALIVE_MIN_MS = 1_500;
/** Without keepalives (traffic keeps the registration fresh), still this often. */
export const REANNOUNCE_MS = 10_000;
/** While refused: the same (a server restarted meanwhile says again why). */
export const REANNOUNCE_REFUSED_MS = 10_000;
/** An announcement due while transmitting waits this long (never between voice frames). */
const ANNOUNCE_DEFERRED_MS = 1_000;
/**
 * Entries kept from one OPV:ROOMS (the list is for people to choose from). Far above an opv
 * server's MAX_SERVER_ROOMS on purpose: it bounds what any server may send, not what opv sends.
 */
const MAX_ROOM_LIST_ENTRIES = 1000;

export interface ExtState {
  /** idle: not started; announcing: nothing has answered yet; active: the server spoke the extension. */
  phase: 'idle' | 'announcing' | 'active' | 'stopped';
  /** Announcements made while nothing answered. */
  tries: number;
  /** The next announcement falls due (null: none planned). */
  announceAt: number | null;
  announcedAt: number;
  /** The last announcement was "still here" (OPV-EXT:1+), which a server that knows us does not answer. */
  lastAnnounceRefresh: boolean;
  /** Ask for everything at the next announcement (after a silence the roster may be stale). */
  resync: boolean;
  welcomed: boolean;
  lastLink: string;
  refusal: Refusal | null;
  /** The current refusal was shown (so its end is news). */
  refusalShown: boolean;
  // ---- rooms ----
  /** The room the server last said we are in. */
  current: string | null;
  /** The room this station asks for (null: wherever the server puts it). */
  wanted: string | null;
  roomList: RoomCount[] | null;
  /** True once the server spoke of rooms; false once it is clear it will not; null: not known yet. */
  offered: boolean | null;
  /** The room asked for since the last WELCOME and not yet answered (no second request meanwhile). */
  asked: string | null;
  /** The room request in flight and when it is taken as lost; tries: resent so far. */
  ask: { room: string; at: number } | null;
  askTries: number;
  /** A request that waits (transmitting, or before the server answered), retried at queueAt. */
  queued: StationExtRequest | null;
  queueAt: number | null;
  /** The operator asked for the list (/rooms): the next list is shown. */
  roomsAsked: boolean;
  noRoomsSaid: boolean;
  /** When the server is taken to have no rooms, and why (ms: the wait, re-armed while refused). */
  noRooms: { at: number; ms: number; reason: NoRoomsReason } | null;
  /** The room note waits for the new room's roster until `until`. */
  note: { room: string; previous: string | null; at: number; until: number } | null;
  /** The roster is the current room's (one came since the last change). */
  rosterForRoom: boolean;
}

export const initialExtState = (wanted: string | null): ExtState => ({
  phase: 'idle',
  tries: 0,
  announceAt: null,
  announcedAt: -Infinity,
  lastAnnounceRefresh: false,
  resync: false,
  welcomed: false,
  lastLink: '',
  refusal: null,
  refusalShown: false,
  current: null,
  wanted,
  roomList: null,
  offered: null,
  asked: null,
  ask: null,
  askTries: 0,
  queued: null,
  queueAt: null,
  roomsAsked: false,
  noRoomsSaid: false,
  noRooms: null,
  note: null,
  rosterForRoom: false,
});

/** What the server said, as far as the machine cares (the roster's contents stay with the shell). */
export type ExtEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'tick' }
  /** A keepalive just went out: "still here" may go with it. */
  | { type: 'keepaliveSent' }
  /** The link monitor's verdict changed. */
  | { type: 'link'; kind: string }
  /** An extension message from the server (already known to come from its address and port). */
  | { type: 'message'; message: ExtMessage }
  /** A whole roster came in: `size` stations. */
  | { type: 'roster'; size: number }
  /** The shell decided a refusal that was news is to be shown now (not held). */
  | { type: 'showRefusal' }
  | { type: 'requestRoom'; room: string }
  | { type: 'requestRooms' }
  /** PTT released, or anything else that may let a queued request go. */
  | { type: 'flush' };

export type RoomAnswer = 'sent' | 'queued' | 'here' | 'unsupported';

export type ExtAction =
  /** An extension text for the server (control lane). */
  | { type: 'send'; text: string }
  | { type: 'welcome'; timeoutS: number; forgot: boolean }
  | { type: 'admitted' }
  /** A refusal that is news: the shell shows it, or holds it (e.g. "needs a key" while authenticating). */
  | { type: 'refusal'; refusal: Refusal }
  /** A refusal to show now. */
  | { type: 'refused'; refusal: Refusal }
  /** Another room: the roster is per room, the next one comes from the server. */
  | { type: 'clearRoster' }
  | { type: 'room'; room: string; previous: string | null; stations: number | null; at: number }
  | { type: 'noRoom'; room: string; current: string | null; rooms: RoomCount[] | null }
  | { type: 'noRooms'; reason: NoRoomsReason; wanted: string | null }
  | { type: 'rooms'; rooms: RoomCount[]; asked: boolean }
  /** Something in the room info changed. */
  | { type: 'roomInfo' }
  /** The answer to requestRoom / requestRooms. */
  | { type: 'answer'; answer: RoomAnswer };

export interface ExtContext {
  now: number;
  /** False while transmitting: a control message then would sit between voice messages. */
  canSend: boolean;
  timing?: RoomTiming;
}

type Step = { state: ExtState; actions: ExtAction[] };

/** One step: the state is copied, never changed in place. */
export function extStep(s0: ExtState, e: ExtEvent, ctx: ExtContext): Step {
  if (s0.phase === 'stopped') return { state: s0, actions: [] };
  const s: ExtState = { ...s0 };
  const out: ExtAction[] = [];
  const m = new Machine(s, out, ctx.now, ctx.canSend, ctx.timing ?? DEFAULT_ROOM_TIMING);
  m.on(e);
  return { state: s, actions: out };
}

/** The transition rules over one copied state (a helper of extStep, never kept). */
class Machine {
  constructor(
    private readonly s: ExtState,
    private readonly out: ExtAction[],
    private readonly now: number,
    private readonly canSend: boolean,
    private readonly t: RoomTiming,
  ) {}

  on(e: ExtEvent): void {
    const s = this.s;
    switch (e.type) {
      case 'start':
        if (s.phase !== 'idle') return;
        s.phase = 'announcing';
        this.announce();
        this.armNoRooms(this.t.noExtensionMs, 'no_extension');
        return;
      case 'stop':
        s.phase = 'stopped';
        s.announceAt = s.queueAt = null;
        s.ask = s.noRooms = s.note = null;
        return;
      case 'tick':
        this.tick();
        return;
      case 'keepaliveSent':
        if (s.phase === 'active' && this.now - s.announcedAt >= ALONG_KEEPALIVE_MIN_MS && this.canSend) this.announce();
        return;
      case 'link': {
        const prev = s.lastLink;
        s.lastLink = e.kind;
        // Back from a silence (e.g. a server restart): say it again at once, asking for everything.
        if (s.phase !== 'idle' && e.kind === 'connected' && (prev === 'no_reply' || prev === 'unreachable')) {
          s.resync = true;
          this.announce();
        }
        return;
      }
      case 'message':
        this.message(e.message);
        return;
      case 'roster':
        s.rosterForRoom = true;
        if (s.note !== null) this.emitNote(e.size);
        return;
      case 'showRefusal':
        if (s.refusal === null || s.refusalShown) return;
        s.refusalShown = true;
        this.out.push({ type: 'refused', refusal: s.refusal });
        return;
      case 'requestRoom':
        if (s.offered === false) return this.answer('unsupported');
        s.wanted = e.room;
        if (s.current === e.room && s.asked === null) {
          this.out.push({ type: 'roomInfo' });
          return this.answer('here');
        }
        return this.answer(this.request({ type: 'room', room: e.room }));
      case 'requestRooms':
        if (s.offered === false) return this.answer('unsupported');
        s.roomsAsked = true;
        return this.answer(this.request({ type: 'rooms' }));
      case 'flush':
        this.flush();
        return;
    }
  }

  private answer(answer: RoomAnswer): void {
    this.out.push({ type: 'answer', answer });
  }

  private tick(): void {
    const s = this.s;
    const now = this.now;
    if (s.announceAt !== null && now >= s.announceAt) this.announce();
    if (s.noRooms !== null && now >= s.noRooms.at) this.noRoomsDue();
    if (s.note !== null && now >= s.note.until) this.emitNote(null);
    if (s.queueAt !== null && now >= s.queueAt) {
      s.queueAt = null;
      const q = s.queued;
      if (q !== null) {
        if (!this.canSend || s.phase !== 'active') s.queueAt = now + this.t.queueRetryMs;
        else {
          s.queued = null;
          this.request(q);
        }
      }
    }
    if (s.ask !== null && now >= s.ask.at) {
      const room = s.ask.room;
      s.ask = null;
      if (s.asked !== room) s.askTries = 0;
      else if (s.askTries++ >= ROOM_REQUEST_RETRIES) {
        // Lost every time: given up (the operator may ask again).
        s.askTries = 0;
        s.asked = null;
      } else this.request({ type: 'room', room });
    }
  }

  /** Sends OPV-EXT:1 (or "still here") and plans the next announcement. */
  private announce(): void {
    const s = this.s;
    if (!this.canSend) {
      s.announceAt = this.now + ANNOUNCE_DEFERRED_MS;
      return;
    }
    // Until the server has answered, ask for everything; then just say "still here".
    s.lastAnnounceRefresh = s.phase === 'active' && !s.resync;
    this.out.push({ type: 'send', text: formatExtAnnounce(s.lastAnnounceRefresh) });
    s.announcedAt = this.now;
    s.resync = false;
    const next = s.phase === 'active' ? (s.refusal !== null ? REANNOUNCE_REFUSED_MS : REANNOUNCE_MS) : FIRST_RETRIES_MS[s.tries++];
    s.announceAt = next === undefined ? null : this.now + next;
  }

  private armNoRooms(ms: number, reason: NoRoomsReason): void {
    this.s.noRooms = this.s.offered !== null ? null : { at: this.now + ms, ms, reason };
  }

  private noRoomsDue(): void {
    const s = this.s;
    const due = s.noRooms!;
    s.noRooms = null;
    if (s.offered !== null) return;
    // Refused: the server says nothing of rooms to a station it does not take; wait.
    if (s.refusal !== null) {
      this.armNoRooms(due.ms, due.reason);
      return;
    }
    s.offered = false;
    s.queued = null;
    s.queueAt = null;
    s.asked = null;
    s.ask = null;
    if (!s.noRoomsSaid) {
      s.noRoomsSaid = true;
      this.out.push({ type: 'noRooms', reason: s.phase === 'active' ? 'no_rooms' : due.reason, wanted: s.wanted });
    }
    this.out.push({ type: 'roomInfo' });
  }

  private request(r: StationExtRequest): 'sent' | 'queued' {
    const s = this.s;
    if (r.type === 'room') s.asked = r.room;
    if (!this.canSend || s.phase !== 'active') {
      // A later room request replaces an earlier one; a list request never displaces a room.
      if (s.queued === null || r.type === 'room') s.queued = r;
      s.queueAt ??= this.now + this.t.queueRetryMs;
      this.out.push({ type: 'roomInfo' });
      return 'queued';
    }
    this.out.push({ type: 'send', text: formatStationExt(r) });
    if (r.type === 'room') s.ask = { room: r.room, at: this.now + this.t.answerMs };
    this.out.push({ type: 'roomInfo' });
    return 'sent';
  }

  private flush(): void {
    const s = this.s;
    const q = s.queued;
    if (q === null || !this.canSend || s.phase !== 'active') return;
    s.queued = null;
    this.request(q);
  }

  private roomsSpoken(): void {
    if (this.s.offered === true) return;
    this.s.offered = true;
    this.s.noRooms = null;
  }

  private emitNote(stations: number | null): void {
    const n = this.s.note;
    if (n === null) return;
    this.s.note = null;
    this.out.push({ type: 'room', room: n.room, previous: n.previous, stations, at: n.at });
  }

  private message(m: ExtMessage): void {
    const s = this.s;
    const now = this.now;
    if (s.phase !== 'active') {
      s.phase = 'active';
      // From now on re-announce slowly.
      s.announceAt = now + REANNOUNCE_MS;
    }
    switch (m.type) {
      case 'welcome': {
        // "Still here" answered by a WELCOME while not refused: the server forgot us (restart, time-out, new address).
        const forgot = s.welcomed && s.refusal === null && s.lastAnnounceRefresh;
        s.welcomed = true;
        if (s.refusal !== null) {
          s.refusal = null;
          if (s.refusalShown) this.out.push({ type: 'admitted' });
          s.refusalShown = false;
        }
        // A (re)started server puts us where it likes and says so next: ask again then if need be.
        s.asked = null;
        if (s.offered === null) this.armNoRooms(this.t.noRoomAfterWelcomeMs, 'no_rooms');
        this.out.push({ type: 'welcome', timeoutS: m.timeoutS, forgot });
        // A request made before the server answered goes now.
        this.flush();
        return;
      }
      case 'refused': {
        const r: Refusal = { reason: m.reason, retryAt: m.retryAt === null ? null : m.retryAt * 1000, at: now };
        const prev = s.refusal;
        s.refusal = r;
        // Told again while still refused for the same reason: not news.
        if (prev === null || prev.reason !== r.reason || !s.refusalShown) {
          s.announceAt = now + REANNOUNCE_REFUSED_MS;
          s.refusalShown = false;
          this.out.push({ type: 'refusal', refusal: r });
        }
        return;
      }
      case 'room':
        this.onRoom(m.room);
        return;
      case 'rooms': {
        this.roomsSpoken();
        s.roomList = m.rooms.slice(0, MAX_ROOM_LIST_ENTRIES);
        const asked = s.roomsAsked;
        s.roomsAsked = false;
        this.out.push({ type: 'rooms', rooms: s.roomList, asked });
        this.out.push({ type: 'roomInfo' });
        return;
      }
      case 'no_room':
        this.roomsSpoken();
        if (s.asked === m.room) s.asked = null;
        // Stay here; a restart must not bring the same refusal again.
        if (s.wanted === m.room) s.wanted = s.current;
        this.out.push({ type: 'noRoom', room: m.room, current: s.current, rooms: s.roomList });
        this.out.push({ type: 'roomInfo' });
        return;
      default:
        return;
    }
  }

  private onRoom(room: string): void {
    const s = this.s;
    this.roomsSpoken();
    const previous = s.current;
    s.current = room;
    if (previous !== null && previous !== room) {
      s.rosterForRoom = false;
      this.out.push({ type: 'clearRoster' });
    }
    if (s.asked === room) s.asked = null;
    if (s.wanted !== null && room !== s.wanted && s.asked === null) {
      // Not where we want to be (after a WELCOME, a restart): ask, and say nothing of this stop.
      this.request({ type: 'room', room: s.wanted });
      return;
    }
    // On the way elsewhere (a request in flight): this stop is not news.
    if (s.asked === null && (previous !== room || s.note !== null)) {
      s.note = { room, previous, at: this.now, until: this.now + this.t.rosterWaitMs };
    }
    this.out.push({ type: 'roomInfo' });
  }
}
