/**
 * Who may hold a connection to the stats port. A slowloris opens many connections and
 * sends nothing (or a byte now and then); the node:http time-outs alone let 1 000 of
 * them fill the connection cap for tens of seconds. Here: a cap per source address
 * (an IPv6 /64 counts as one source), a global cap at which the oldest connection with
 * no request in progress makes room for the newcomer, and an idle timer per connection.
 * Event streams are never evicted or timed out: they are bounded by their own backlog
 * rule.
 */
import { isIPv6 } from 'node:net';
import type { Socket } from 'node:net';

export interface GuardLimits {
  /** Connections at once from one source address (IPv6: one /64). */
  perSourceMax: number;
  /** Connections at once in all. */
  globalMax: number;
  /** A connection with no complete request for this long is closed. */
  idleMs: number;
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = { perSourceMax: 32, globalMax: 1024, idleMs: 5_000 };

export interface GuardFigures {
  open: number;
  /** New connections closed at once: their source was over its cap, or all held ones were busy. */
  refused: number;
  /** Connections closed to make room (the oldest with no request in progress). */
  evicted: number;
  /** Connections closed by the idle timer. */
  idleClosed: number;
}

interface Held {
  socket: Socket;
  source: string;
  /** A request is being answered, or events streamed: not evicted for a newcomer. */
  busy: boolean;
  streaming: boolean;
}

/** The source a connection counts against: the address, or the /64 of an IPv6 address. */
export function sourceOf(address: string | undefined): string {
  if (address === undefined) return '?';
  if (address.startsWith('::ffff:')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const groups = expandV6(address);
  return groups.slice(0, 4).join(':') + '::/64';
}

function expandV6(a: string): string[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0');
  return [...h, ...fill, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

export class ConnectionGuard {
  /** In arrival order (a Map keeps it): the first unserved one is the oldest. */
  private readonly held = new Map<Socket, Held>();
  private readonly perSource = new Map<string, number>();
  readonly figures: GuardFigures = { open: 0, refused: 0, evicted: 0, idleClosed: 0 };

  constructor(readonly limits: GuardLimits = DEFAULT_GUARD_LIMITS) {}

  /** A new TCP connection: kept (true) or already destroyed (false). */
  admit(socket: Socket): boolean {
    const source = sourceOf(socket.remoteAddress);
    const n = this.perSource.get(source) ?? 0;
    if (n >= this.limits.perSourceMax || (this.held.size >= this.limits.globalMax && !this.evictOne())) {
      this.figures.refused++;
      socket.destroy();
      return false;
    }
    const h: Held = { socket, source, busy: false, streaming: false };
    this.held.set(socket, h);
    this.perSource.set(source, n + 1);
    this.figures.open = this.held.size;
    socket.setTimeout(this.limits.idleMs, () => {
      if (h.streaming) return;
      this.figures.idleClosed++;
      socket.destroy();
    });
    socket.once('close', () => this.release(h));
    return true;
  }

  /** A whole request arrived on this connection (true) or its answer has been sent (false). */
  busy(socket: Socket, on: boolean): void {
    const h = this.held.get(socket);
    if (h !== undefined) h.busy = on;
  }

  /** The connection now carries an event stream: the idle timer no longer applies. */
  streaming(socket: Socket): void {
    const h = this.held.get(socket);
    if (h === undefined) return;
    h.busy = h.streaming = true;
    socket.setTimeout(0);
  }

  private evictOne(): boolean {
    for (const h of this.held.values()) {
      if (h.busy) continue;
      this.figures.evicted++;
      this.release(h);
      h.socket.destroy();
      return true;
    }
    return false;
  }

  private release(h: Held): void {
    if (this.held.get(h.socket) !== h) return;
    this.held.delete(h.socket);
    const n = (this.perSource.get(h.source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(h.source);
    else this.perSource.set(h.source, n);
    this.figures.open = this.held.size;
  }
}
