import { checkFrame, formatControl, StationReassembler } from '../protocol/index.js';
import {
  formatExtAnnounce,
  formatStationExt,
  parseExt,
  SERVER_STATION_ID,
  type LeaveReason,
  type RefusalReason,
  type RoomCount,
  type RosterEntry,
  type StationExtRequest,
} from '../protocol/ext.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface RosterMember {
  callsign: string;
  /** ms epoch when the server admitted it (as far as the server's figure says). */
  since: number;
  talking: boolean;
  /** The server says it proved its callsign with a key. */
  authenticated: boolean;
  /** On another interlinked server (its server-id); absent for this server's own stations. */
  server?: string;
}

/** Where this station is, as far as the server has said: one source for line mode and the TUI. */
export interface RoomInfo {
  /** The room the server last said we are in; null: it has not said (yet, or never: no rooms). */
  current: string | null;
  /** The room this station asks for (settings, --room, /room); null: wherever the server puts it. */
  wanted: string | null;
  /** The server's last list of rooms with their station counts; null: none received. */
  rooms: RoomCount[] | null;
  /** True once the server spoke of rooms; false once it is clear it will not; null: not known yet. */
  offered: boolean | null;
  /** A room request waits for PTT release (a control message never goes between voice frames). */
  queued: string | null;
  /** Stations in the current room (us included), from its roster; null: no roster for it yet. */
  stations: number | null;
}

/** Why a server is taken to have no rooms. */
export type NoRoomsReason = 'no_extension' | 'no_rooms';

export interface Refusal {
  reason: RefusalReason;
  /** ms epoch from which trying again may succeed; null: waiting will not help. */
  retryAt: number | null;
  at: number;
}

export interface ServerExtEvents {
  /**
   * The server speaks the extension and has admitted us. `forgot`: it had already, and this
   * one answers a mere "still here" while we were not refused: it forgot us (restarted, or
   * timed us out), so what we sent just before may have reached nobody.
   */
  welcome: { timeoutS: number; at: number; forgot: boolean };
  roster: RosterMember[];
  /** server: it joined on another interlinked server (its server-id). */
  join: { callsign: string; at: number; server?: string };
  leave: { callsign: string; reason: LeaveReason; at: number };
  /** The server refuses us, or refuses for a new reason. */
  refused: Refusal;
  /** Admitted again after a refusal. */
  admitted: { at: number };
  announce: { text: string; at: number };
  /** An authentication message from the server (`OPV:AUTH_…`), for the station's authenticator. */
  auth: string;
  /**
   * We are in a room: the first room the server names, and each change. `stations`: the
   * size of the new room's roster (us included) when it came in time, else null.
   */
  room: { room: string; previous: string | null; stations: number | null; at: number };
  /** The server's list of rooms; `asked`: in answer to this station's own request (/rooms). */
  rooms: { rooms: RoomCount[]; asked: boolean };
  /** A room we asked for does not exist there; we stay in `current`. */
  noRoom: { room: string; current: string | null; rooms: RoomCount[] | null };
  /** Said once: this server has no rooms (a reference server, or an opv server without them). */
  noRooms: { reason: NoRoomsReason; wanted: string | null };
  /** Anything in RoomInfo changed. */
  roomInfo: RoomInfo;
}

/** Timing of the room exchange; tests shorten it. */
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
const ROOM_REQUEST_RETRIES = 3;

/** Re-announcements while nothing has answered (a reference server never will). */
const FIRST_RETRIES_MS = [5_000, 15_000];
/**
 * While the server speaks the extension: "still here" (OPV-EXT:1+) alongside each keepalive
 * (see alongKeepalive), so a restarted server learns within one keepalive interval that we
 * speak it (and says why it refuses us, e.g. "needs a key"): back on the extension within
 * 3 s. A server that knows us ignores it. Never more often than this:
 */
const ALONG_KEEPALIVE_MIN_MS = 1_500;
/** Without keepalives (traffic keeps the registration fresh), still this often. */
const REANNOUNCE_MS = 10_000;
/** While refused: the same (a server restarted meanwhile says again why). */
const REANNOUNCE_REFUSED_MS = 10_000;
const MAX_ROSTER_PARTS = 1000;
const MAX_ROSTER = 100_000;
/** Rooms kept from one OPV:ROOMS (the list is for people to choose from). */
const MAX_ROOMS = 1000;

/**
 * The station's side of the opv extension (docs/EXTENSIONS.md). Frames with the server's
 * station id are taken out of the ordinary receive path here; they are believed only
 * when they come from the exact address and port the station sends to (the server never
 * relays its own id, so no station can forge one through it).
 */
export class ServerExtension extends TypedEmitter<ServerExtEvents> {
  private readonly reassembler = new StationReassembler(16 * 1024);
  private readonly members = new Map<string, RosterMember>();
  private pending: { snapshot: number; parts: number; got: Map<number, RosterEntry[]> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private tries = 0;
  /** The server has answered in the extension at least once. */
  active = false;
  refusal: Refusal | null = null;
  /** Frames with the server's id from another address: dropped. */
  forged = 0;
  /**
   * True for a refusal the operator need not see yet: "needs a key" while this station is
   * authenticating. It is kept (and shown if it is still true after the answer).
   */
  holdRefusal: (r: Refusal) => boolean = () => false;
  /** The current refusal was shown (so its end is news). */
  private refusalShown = false;

  constructor(
    /** The address and port this station sends to: the only source its messages are believed from. */
    private readonly serverEndpoint: () => { address: string; port: number },
    private readonly sendControl: (text: string) => void,
    private readonly now: () => number = Date.now,
    /** False while transmitting: a control message then would sit between voice messages (as keepalives never do). */
    private readonly canSend: () => boolean = () => true,
    /** The room to ask for after each WELCOME (null: stay where the server puts us). */
    wantedRoom: string | null = null,
    private readonly timing: RoomTiming = DEFAULT_ROOM_TIMING,
  ) {
    super();
    this.wanted = wantedRoom;
  }

  start(): void {
    this.announce();
    this.armRoomTimer(this.timing.noExtensionMs, 'no_extension');
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of [this.roomTimer, this.noteTimer, this.queueTimer, this.askTimer]) if (t) clearTimeout(t);
    this.roomTimer = this.noteTimer = this.queueTimer = this.askTimer = null;
  }

  // ---- rooms ----

  private current: string | null = null;
  private wanted: string | null;
  private roomList: RoomCount[] | null = null;
  private offered: boolean | null = null;
  /** The room asked for since the last WELCOME and not yet answered (no second request meanwhile). */
  private asked: string | null = null;
  /** A request that waits for PTT release. */
  private queued: StationExtRequest | null = null;
  /** The operator asked for the list (/rooms): the next list is shown. */
  private roomsAsked = false;
  private noRoomsSaid = false;
  private roomTimer: NodeJS.Timeout | null = null;
  private noteTimer: NodeJS.Timeout | null = null;
  private queueTimer: NodeJS.Timeout | null = null;
  /** The room note waits for the new room's roster. */
  private note: { room: string; previous: string | null; at: number } | null = null;
  /** The members are the current room's (a roster came since the last change). */
  private rosterForRoom = false;

  roomInfo(): RoomInfo {
    return {
      current: this.current,
      wanted: this.wanted,
      rooms: this.roomList === null ? null : this.roomList.map((r) => ({ ...r })),
      offered: this.offered,
      queued: this.queued?.type === 'room' ? this.queued.room : null,
      stations: this.current !== null && this.rosterForRoom ? this.members.size : null,
    };
  }

  /**
   * The operator asks for a room (already normalised). 'queued': it goes when PTT is
   * released; 'sent'; 'here': already there; 'unsupported': this server has no rooms.
   */
  requestRoom(room: string): 'sent' | 'queued' | 'here' | 'unsupported' {
    if (this.offered === false) return 'unsupported';
    this.wanted = room;
    if (this.current === room && this.asked === null) {
      this.emitRoomInfo();
      return 'here';
    }
    return this.request({ type: 'room', room });
  }

  /** The operator asks for the list of rooms (shown when it comes). */
  requestRooms(): 'sent' | 'queued' | 'unsupported' {
    if (this.offered === false) return 'unsupported';
    this.roomsAsked = true;
    return this.request({ type: 'rooms' });
  }

  private request(r: StationExtRequest): 'sent' | 'queued' {
    if (r.type === 'room') this.asked = r.room;
    if (!this.canSend() || !this.active) {
      // A later room request replaces an earlier one; a list request never displaces a room.
      if (this.queued === null || r.type === 'room') this.queued = r;
      this.retryQueued();
      this.emitRoomInfo();
      return 'queued';
    }
    this.sendControl(formatControl({ type: 'raw', text: formatStationExt(r) }));
    if (r.type === 'room') this.awaitAnswer(r.room);
    this.emitRoomInfo();
    return 'sent';
  }

  private askTimer: NodeJS.Timeout | null = null;
  private askTries = 0;

  /** A request (or its answer) lost on the way: asked again a few times, then given up. */
  private awaitAnswer(room: string): void {
    if (this.askTimer) clearTimeout(this.askTimer);
    this.askTimer = setTimeout(() => {
      this.askTimer = null;
      if (this.asked !== room) {
        this.askTries = 0;
        return;
      }
      if (this.askTries++ >= ROOM_REQUEST_RETRIES) {
        this.askTries = 0;
        this.asked = null;
        return;
      }
      this.request({ type: 'room', room });
    }, this.timing.answerMs);
    this.askTimer.unref();
  }

  private retryQueued(): void {
    if (this.queueTimer) return;
    this.queueTimer = setTimeout(() => {
      this.queueTimer = null;
      const q = this.queued;
      if (q === null) return;
      if (!this.canSend() || !this.active) {
        this.retryQueued();
        return;
      }
      this.queued = null;
      this.request(q);
    }, this.timing.queueRetryMs);
    this.queueTimer.unref();
  }

  /** PTT released: a queued request goes now. */
  flushQueued(): void {
    const q = this.queued;
    if (q === null || !this.canSend() || !this.active) return;
    this.queued = null;
    this.request(q);
  }

  private armRoomTimer(ms: number, reason: NoRoomsReason): void {
    if (this.roomTimer) clearTimeout(this.roomTimer);
    this.roomTimer = null;
    if (this.offered !== null) return;
    this.roomTimer = setTimeout(() => {
      this.roomTimer = null;
      if (this.offered !== null) return;
      // Refused: the server says nothing of rooms to a station it does not take; wait.
      if (this.refusal !== null) {
        this.armRoomTimer(ms, reason);
        return;
      }
      this.offered = false;
      this.queued = null;
      this.asked = null;
      if (!this.noRoomsSaid) {
        this.noRoomsSaid = true;
        this.emit('noRooms', { reason: this.active ? 'no_rooms' : reason, wanted: this.wanted });
      }
      this.emitRoomInfo();
    }, ms);
    this.roomTimer.unref();
  }

  private emitRoomInfo(): void {
    this.emit('roomInfo', this.roomInfo());
  }

  private roomsSpoken(): void {
    if (this.offered === true) return;
    this.offered = true;
    if (this.roomTimer) clearTimeout(this.roomTimer);
    this.roomTimer = null;
  }

  private onWelcome(): void {
    // A (re)started server puts us where it likes and says so next: ask again then if need be.
    this.asked = null;
    if (this.offered === null) this.armRoomTimer(this.timing.noRoomAfterWelcomeMs, 'no_rooms');
  }

  private onRoom(room: string, at: number): void {
    this.roomsSpoken();
    const previous = this.current;
    this.current = room;
    if (previous !== null && previous !== room) {
      // The roster is per room: the server sends the new room's next.
      this.members.clear();
      this.pending = null;
      this.rosterForRoom = false;
      this.emitRoster();
    }
    if (this.asked === room) this.asked = null;
    if (this.wanted !== null && room !== this.wanted && this.asked === null) {
      // Not where we want to be (after a WELCOME, a restart): ask, and say nothing of this stop.
      this.request({ type: 'room', room: this.wanted });
      return;
    }
    // On the way elsewhere (a request in flight): this stop is not news.
    if (this.asked !== null) {
      this.emitRoomInfo();
      return;
    }
    if (previous !== room || this.note !== null) {
      if (this.noteTimer) clearTimeout(this.noteTimer);
      this.note = { room, previous, at };
      this.noteTimer = setTimeout(() => this.emitNote(null), this.timing.rosterWaitMs);
      this.noteTimer.unref();
    }
    this.emitRoomInfo();
  }

  private emitNote(stations: number | null): void {
    if (this.noteTimer) clearTimeout(this.noteTimer);
    this.noteTimer = null;
    const n = this.note;
    if (n === null) return;
    this.note = null;
    this.emit('room', { room: n.room, previous: n.previous, stations, at: n.at });
  }

  private onNoRoom(room: string): void {
    this.roomsSpoken();
    if (this.asked === room) this.asked = null;
    // Stay here; a restart must not bring the same refusal again.
    if (this.wanted === room) this.wanted = this.current;
    this.emit('noRoom', { room, current: this.current, rooms: this.roomList === null ? null : this.roomList.map((r) => ({ ...r })) });
    this.emitRoomInfo();
  }

  private onRooms(rooms: RoomCount[]): void {
    this.roomsSpoken();
    this.roomList = rooms.slice(0, MAX_ROOMS);
    const asked = this.roomsAsked;
    this.roomsAsked = false;
    this.emit('rooms', { rooms: this.roomList.map((r) => ({ ...r })), asked });
    this.emitRoomInfo();
  }

  private announcedAt = -Infinity;
  /** The last announcement was "still here" (OPV-EXT:1+), which a server that knows us does not answer. */
  private lastAnnounceRefresh = false;
  private welcomed = false;

  /**
   * A keepalive just went out: once the server has answered, "still here" goes with it
   * (right after it, so it never delays the keepalive that keeps the link monitor honest).
   */
  alongKeepalive(): void {
    if (!this.active || this.now() - this.announcedAt < ALONG_KEEPALIVE_MIN_MS || !this.canSend()) return;
    this.announce();
  }

  /** Sends OPV-EXT:1 and schedules the next announcement. */
  announce(): void {
    if (!this.canSend()) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.announce(), 1000);
      this.timer.unref();
      return;
    }
    // Until the server has answered, ask for everything; then just say "still here".
    this.lastAnnounceRefresh = this.active && !this.resync;
    this.sendControl(formatControl({ type: 'raw', text: formatExtAnnounce(this.lastAnnounceRefresh) }));
    this.announcedAt = this.now();
    this.resync = false;
    if (this.timer) clearTimeout(this.timer);
    const next = this.active ? (this.refusal !== null ? REANNOUNCE_REFUSED_MS : REANNOUNCE_MS) : FIRST_RETRIES_MS[this.tries++];
    this.timer = next === undefined ? null : setTimeout(() => this.announce(), next);
    this.timer?.unref();
  }

  private lastLink = '';
  /** Ask for everything at the next announcement (after a silence the roster may be stale). */
  private resync = false;

  /** Back from a silence (e.g. a server restart): say it again at once. */
  onLink(kind: string): void {
    const prev = this.lastLink;
    this.lastLink = kind;
    if (kind === 'connected' && (prev === 'no_reply' || prev === 'unreachable')) {
      this.resync = true;
      this.announce();
    }
  }

  /**
   * A datagram from the socket: true when it carried the server's id (consumed here,
   * whether believed or not), false for ordinary traffic.
   */
  take(buf: Buffer, from: { address: string; port: number } | null): boolean {
    const chk = checkFrame(buf);
    if (!chk.ok || chk.stationId !== SERVER_STATION_ID) return false;
    const server = this.serverEndpoint();
    // Any local user on the server's host can send from its address: the port must match too.
    if (from === null || from.port !== server.port || !sameAddress(from.address, server.address)) {
      this.forged++;
      return true;
    }
    this.reassembler.push(buf.subarray(12), (ev) => {
      if (ev.type !== 'message' || ev.message.kind !== 'control') return;
      this.handle(ev.message.text);
    });
    return true;
  }

  private handle(text: string): void {
    if (text.startsWith('OPV:AUTH_')) {
      this.emit('auth', text);
      return;
    }
    const m = parseExt(text);
    if (m === null) return;
    const at = this.now();
    if (!this.active) {
      this.active = true;
      // From now on re-announce slowly.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.announce(), REANNOUNCE_MS);
      this.timer.unref();
    }
    switch (m.type) {
      case 'welcome': {
        const forgot = this.welcomed && this.refusal === null && this.lastAnnounceRefresh;
        this.welcomed = true;
        if (this.refusal !== null) {
          this.refusal = null;
          if (this.refusalShown) this.emit('admitted', { at });
          this.refusalShown = false;
        }
        this.onWelcome();
        this.emit('welcome', { timeoutS: m.timeoutS, at, forgot });
        // A request made before the server answered goes now.
        this.flushQueued();
        break;
      }
      case 'roster': {
        if (m.parts > MAX_ROSTER_PARTS) return;
        if (this.pending === null || this.pending.snapshot !== m.snapshot) this.pending = { snapshot: m.snapshot, parts: m.parts, got: new Map() };
        this.pending.got.set(m.part, m.entries);
        if (this.pending.got.size < this.pending.parts) return;
        this.members.clear();
        for (const list of this.pending.got.values()) {
          for (const e of list) {
            if (this.members.size < MAX_ROSTER)
              this.members.set(e.callsign, { callsign: e.callsign, since: at - e.connectedS * 1000, talking: e.talking, authenticated: e.authenticated === true, ...(e.server !== undefined ? { server: e.server } : {}) });
          }
        }
        this.pending = null;
        this.rosterForRoom = true;
        this.emitRoster();
        if (this.note !== null) this.emitNote(this.members.size);
        break;
      }
      case 'join':
        if (this.members.size < MAX_ROSTER && !this.members.has(m.callsign))
          this.members.set(m.callsign, { callsign: m.callsign, since: at, talking: false, authenticated: false, ...(m.server !== undefined ? { server: m.server } : {}) });
        this.emit('join', { callsign: m.callsign, at, ...(m.server !== undefined ? { server: m.server } : {}) });
        this.emitRoster();
        break;
      case 'leave':
        this.members.delete(m.callsign);
        this.emit('leave', { callsign: m.callsign, reason: m.reason, at });
        this.emitRoster();
        break;
      case 'verified': {
        const mem = this.members.get(m.callsign);
        if (mem && !mem.authenticated) {
          mem.authenticated = true;
          this.emitRoster();
        }
        break;
      }
      case 'talk': {
        const mem = this.members.get(m.callsign);
        if (mem && mem.talking !== m.talking) {
          mem.talking = m.talking;
          this.emitRoster();
        }
        break;
      }
      case 'refused': {
        const r: Refusal = { reason: m.reason, retryAt: m.retryAt === null ? null : m.retryAt * 1000, at };
        const prev = this.refusal;
        this.refusal = r;
        // Told again while still refused for the same reason: not news.
        if (prev === null || prev.reason !== r.reason || !this.refusalShown) {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => this.announce(), REANNOUNCE_REFUSED_MS);
          this.timer.unref();
          this.refusalShown = !this.holdRefusal(r);
          if (this.refusalShown) this.emit('refused', r);
        }
        break;
      }
      case 'announce':
        this.emit('announce', { text: m.text, at });
        break;
      case 'room':
        this.onRoom(m.room, at);
        break;
      case 'rooms':
        this.onRooms(m.rooms);
        break;
      case 'no_room':
        this.onNoRoom(m.room);
        break;
    }
  }

  /** A held refusal (see holdRefusal) that still stands: show it now. */
  showHeldRefusal(): void {
    if (this.refusal === null || this.refusalShown) return;
    this.refusalShown = true;
    this.emit('refused', this.refusal);
  }

  private emitRoster(): void {
    this.emit('roster', this.roster());
  }

  roster(): RosterMember[] {
    return [...this.members.values()].sort((a, b) => a.callsign.localeCompare(b.callsign)).map((m) => ({ ...m }));
  }
}

function sameAddress(a: string, b: string): boolean {
  const strip = (s: string): string => (s.startsWith('::ffff:') ? s.slice(7) : s);
  return strip(a) === strip(b);
}

/** What a refusal means for the operator, and what to do about it. */
export function describeRefusal(r: Refusal, callsign: string, nowMs: number = Date.now(), hasKey = false): string {
  const at = r.retryAt === null ? '' : new Date(r.retryAt).toLocaleTimeString('en-GB', { hour12: false });
  const wait = r.retryAt === null ? 0 : Math.max(0, Math.ceil((r.retryAt - nowMs) / 1000));
  switch (r.reason) {
    case 'in_use':
      return `callsign ${callsign} is in use from another address — retry after ${at} (in ${wait} s, once the other one is silent); this station keeps trying`;
    case 'kicked':
      return `kicked by the sysop — kept out until ${at} (${wait} s); this station rejoins by itself then`;
    case 'banned':
      return 'banned by the sysop — you stay out until unbanned; contact the server operator';
    case 'full':
      return 'the server is full — this station keeps trying; try later or another server';
    case 'not_allowed':
      return `${callsign} is not on this server's allow list — contact the server operator`;
    case 'auth_required':
      // With a key of our own, making another would not help: the server does not know this one.
      if (hasKey) return `${callsign} is protected on this server and it does not accept this station's key — ask the sysop to add this key's line (opv keygen printed it) to the server's authorized keys`;
      return `${callsign} is protected on this server: only a station with its key may use it (opv keygen ${callsign}, and the sysop adds the printed line)`;
  }
}
