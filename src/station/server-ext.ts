import { checkFrame, formatControl, StationReassembler } from '../protocol/index.js';
import { parseExt, SERVER_STATION_ID, type LeaveReason, type RoomCount, type RosterEntry } from '../protocol/ext.js';
import { SERVER_AUTH_PREFIX } from '../protocol/auth.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { debugLog } from '../util/debug-log.js';
import {
  DEFAULT_ROOM_TIMING,
  extStep,
  initialExtState,
  type ExtAction,
  type ExtEvent,
  type ExtState,
  type NoRoomsReason,
  type Refusal,
  type RoomAnswer,
  type RoomTiming,
} from './server-ext-machine.js';

const dbg = debugLog('station', 'ext');

export { DEFAULT_ROOM_TIMING, type NoRoomsReason, type Refusal, type RoomTiming } from './server-ext-machine.js';

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

const MAX_ROSTER_PARTS = 1000;
const MAX_ROSTER = 100_000;

/**
 * The station's side of the opv extension (docs/EXTENSIONS.md): the shell around the pure
 * machine in server-ext-machine.ts, which decides when to announce, ask and give up; here
 * are the socket, the roster's contents and the events. Time comes from `now()` and
 * `tick()` (the engine's one clock); nothing here sets a timer of its own.
 *
 * Frames with the server's station id are taken out of the ordinary receive path here;
 * they are believed only when they come from the exact address and port the station sends
 * to (the server never relays its own id, so no station can forge one through it).
 */
export class ServerExtension extends TypedEmitter<ServerExtEvents> {
  private readonly reassembler = new StationReassembler(16 * 1024);
  private readonly members = new Map<string, RosterMember>();
  private pending: { snapshot: number; parts: number; got: Map<number, RosterEntry[]> } | null = null;
  private state_: ExtState;
  /** Frames with the server's id from another address: dropped. */
  forged = 0;
  /**
   * True for a refusal the operator need not see yet: "needs a key" while this station is
   * authenticating. It is kept (and shown if it is still true after the answer).
   */
  holdRefusal: (r: Refusal) => boolean = () => false;
  private answer: RoomAnswer | null = null;

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
    this.state_ = initialExtState(wantedRoom);
  }

  /** The machine's state (for the faces' diagnostics and for tests). */
  get state(): ExtState {
    return this.state_;
  }

  /** The server has answered in the extension at least once. */
  get active(): boolean {
    return this.state_.phase === 'active';
  }

  get refusal(): Refusal | null {
    return this.state_.refusal;
  }

  start(): void {
    this.step({ type: 'start' });
  }

  stop(): void {
    this.step({ type: 'stop' });
  }

  /** The engine's clock: announcements, retries and conclusions fall due here. */
  tick(): void {
    this.step({ type: 'tick' });
  }

  /** A keepalive just went out: "still here" may go right after it (never delaying it). */
  alongKeepalive(): void {
    this.step({ type: 'keepaliveSent' });
  }

  /** The link monitor's verdict (back from a silence: announce again at once). */
  onLink(kind: string): void {
    this.step({ type: 'link', kind });
  }

  /** PTT released: a queued request goes now. */
  flushQueued(): void {
    this.step({ type: 'flush' });
  }

  /** A held refusal (see holdRefusal) that still stands: show it now. */
  showHeldRefusal(): void {
    this.step({ type: 'showRefusal' });
  }

  /**
   * The operator asks for a room (already normalised). 'queued': it goes when PTT is
   * released; 'sent'; 'here': already there; 'unsupported': this server has no rooms.
   */
  requestRoom(room: string): RoomAnswer {
    return this.ask({ type: 'requestRoom', room });
  }

  /** The operator asks for the list of rooms (shown when it comes). */
  requestRooms(): 'sent' | 'queued' | 'unsupported' {
    const a = this.ask({ type: 'requestRooms' });
    return a === 'here' ? 'sent' : a;
  }

  private ask(e: ExtEvent): RoomAnswer {
    this.answer = null;
    this.step(e);
    const a = this.answer ?? 'unsupported';
    this.answer = null;
    return a;
  }

  roomInfo(): RoomInfo {
    const s = this.state_;
    return {
      current: s.current,
      wanted: s.wanted,
      rooms: s.roomList === null ? null : s.roomList.map((r) => ({ ...r })),
      offered: s.offered,
      queued: s.queued?.type === 'room' ? s.queued.room : null,
      stations: s.current !== null && s.rosterForRoom ? this.members.size : null,
    };
  }

  private step(e: ExtEvent): void {
    const { state, actions } = extStep(this.state_, e, { now: this.now(), canSend: this.canSend(), timing: this.timing });
    this.state_ = state;
    for (const a of actions) this.act(a);
  }

  private act(a: ExtAction): void {
    const copy = (rooms: RoomCount[] | null): RoomCount[] | null => (rooms === null ? null : rooms.map((r) => ({ ...r })));
    switch (a.type) {
      case 'send':
        dbg('sends %s', a.text);
        this.sendControl(formatControl({ type: 'raw', text: a.text }));
        break;
      case 'welcome':
        this.emit('welcome', { timeoutS: a.timeoutS, at: this.now(), forgot: a.forgot });
        break;
      case 'admitted':
        this.emit('admitted', { at: this.now() });
        break;
      case 'refusal':
        // News: shown now unless the engine holds it (authentication under way).
        if (!this.holdRefusal(a.refusal)) this.step({ type: 'showRefusal' });
        break;
      case 'refused':
        this.emit('refused', a.refusal);
        break;
      case 'clearRoster':
        this.members.clear();
        this.pending = null;
        this.emitRoster();
        break;
      case 'room':
        this.emit('room', { room: a.room, previous: a.previous, stations: a.stations, at: a.at });
        break;
      case 'noRoom':
        this.emit('noRoom', { room: a.room, current: a.current, rooms: copy(a.rooms) });
        break;
      case 'noRooms':
        this.emit('noRooms', { reason: a.reason, wanted: a.wanted });
        break;
      case 'rooms':
        this.emit('rooms', { rooms: copy(a.rooms) ?? [], asked: a.asked });
        break;
      case 'roomInfo':
        this.emit('roomInfo', this.roomInfo());
        break;
      case 'answer':
        this.answer = a.answer;
        break;
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
      dbg('a frame in the server\'s name from %s:%s, not the server: dropped', from?.address ?? '?', from?.port ?? '?');
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
    if (text.startsWith(SERVER_AUTH_PREFIX)) {
      this.emit('auth', text);
      return;
    }
    const m = parseExt(text);
    dbg('hears %s', m === null ? `something else: ${JSON.stringify(text.slice(0, 40))}` : m.type);
    if (m === null) return;
    const at = this.now();
    // The roster's contents are the shell's: the machine hears only that a whole one came.
    if (m.type === 'roster' && m.parts > MAX_ROSTER_PARTS) return;
    this.step({ type: 'message', message: m });
    switch (m.type) {
      case 'roster': {
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
        this.emitRoster();
        this.step({ type: 'roster', size: this.members.size });
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
      case 'announce':
        this.emit('announce', { text: m.text, at });
        break;
      default:
        break;
    }
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
