import { checkFrame, formatControl, StationReassembler } from '../protocol/index.js';
import {
  formatExtAnnounce,
  parseExt,
  SERVER_STATION_ID,
  type LeaveReason,
  type RefusalReason,
  type RosterEntry,
} from '../protocol/ext.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface RosterMember {
  callsign: string;
  /** ms epoch when the server admitted it (as far as the server's figure says). */
  since: number;
  talking: boolean;
  /** The server says it proved its callsign with a key. */
  authenticated: boolean;
}

export interface Refusal {
  reason: RefusalReason;
  /** ms epoch from which trying again may succeed; null: waiting will not help. */
  retryAt: number | null;
  at: number;
}

export interface ServerExtEvents {
  /** The server speaks the extension and has admitted us. */
  welcome: { timeoutS: number; at: number };
  roster: RosterMember[];
  join: { callsign: string; at: number };
  leave: { callsign: string; reason: LeaveReason; at: number };
  /** The server refuses us, or refuses for a new reason. */
  refused: Refusal;
  /** Admitted again after a refusal. */
  admitted: { at: number };
  announce: { text: string; at: number };
  /** An authentication message from the server (`OPV:AUTH_…`), for the station's authenticator. */
  auth: string;
}

/** Re-announcements while nothing has answered (a reference server never will). */
const FIRST_RETRIES_MS = [5_000, 15_000];
/** While the server speaks the extension: re-announce this often, so a restarted server learns it again. */
const REANNOUNCE_MS = 60_000;
/** While refused: sooner, so a server restarted meanwhile says again why (it forgot we announced). */
const REANNOUNCE_REFUSED_MS = 10_000;
const MAX_ROSTER_PARTS = 1000;
const MAX_ROSTER = 100_000;

/**
 * The station's side of the opv extension (docs/EXTENSIONS.md). Frames with the server's
 * station id are taken out of the ordinary receive path here; they are believed only
 * when they come from the server's address (the server never relays its own id, so no
 * station can forge one through it).
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
    private readonly serverAddress: () => string,
    private readonly sendControl: (text: string) => void,
    private readonly now: () => number = Date.now,
    /** False while transmitting: a control message then would sit between voice messages (as keepalives never do). */
    private readonly canSend: () => boolean = () => true,
  ) {
    super();
  }

  start(): void {
    this.announce();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
    this.sendControl(formatControl({ type: 'raw', text: formatExtAnnounce(this.active && !this.resync) }));
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
  take(buf: Buffer, from: string | null): boolean {
    const chk = checkFrame(buf);
    if (!chk.ok || chk.stationId !== SERVER_STATION_ID) return false;
    if (from === null || !sameAddress(from, this.serverAddress())) {
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
      case 'welcome':
        if (this.refusal !== null) {
          this.refusal = null;
          if (this.refusalShown) this.emit('admitted', { at });
          this.refusalShown = false;
        }
        this.emit('welcome', { timeoutS: m.timeoutS, at });
        break;
      case 'roster': {
        if (m.parts > MAX_ROSTER_PARTS) return;
        if (this.pending === null || this.pending.snapshot !== m.snapshot) this.pending = { snapshot: m.snapshot, parts: m.parts, got: new Map() };
        this.pending.got.set(m.part, m.entries);
        if (this.pending.got.size < this.pending.parts) return;
        this.members.clear();
        for (const list of this.pending.got.values()) {
          for (const e of list) {
            if (this.members.size < MAX_ROSTER) this.members.set(e.callsign, { callsign: e.callsign, since: at - e.connectedS * 1000, talking: e.talking, authenticated: e.authenticated === true });
          }
        }
        this.pending = null;
        this.emitRoster();
        break;
      }
      case 'join':
        if (this.members.size < MAX_ROSTER && !this.members.has(m.callsign)) this.members.set(m.callsign, { callsign: m.callsign, since: at, talking: false, authenticated: false });
        this.emit('join', { callsign: m.callsign, at });
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
export function describeRefusal(r: Refusal, callsign: string, nowMs: number = Date.now()): string {
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
      return `${callsign} is protected on this server: only a station with its key may use it (opv keygen ${callsign}, and the sysop adds the printed line)`;
  }
}
