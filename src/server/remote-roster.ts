/**
 * The stations on the OTHER servers of the interlinked network, as their presence
 * messages describe them. Pure (the clock is passed in): the server feeds it every
 * validated PresenceMessage and acts on the changes each call returns (tell local
 * stations, emit events). Bounded: at most MAX_PEERS servers of at most
 * MAX_STATIONS_PER_PEER stations each; anything beyond is ignored, not stored.
 */
import type { RemoteStationStats } from '../contract/stats.js';
import { PRESENCE_MAX_STATIONS, type PresenceLeaveReason, type PresenceMessage } from './interlink-presence.js';

/** A server unheard for this long (three missed snapshots) is taken for dead with all its stations. */
export const PEER_TIMEOUT_MS = 15_000;
export const MAX_PEERS = 64;
export const MAX_STATIONS_PER_PEER = PRESENCE_MAX_STATIONS;

export interface RemoteStation {
  callsign: string;
  room: string;
  /** The server-id of the server it is on. */
  server: string;
  talking: boolean;
  /** When it joined, in this server's clock (estimated from connected_s for a snapshot). */
  joinedAtMs: number;
  /** When its server last mentioned it. */
  lastSeenMs: number;
  /** Its server says it proved its key there (a protected callsign is believed only from that server). */
  authenticated: boolean;
}

/**
 * Why a remote station left: the reason its server gave, or `vanished` (missing from
 * a snapshot: its leave was lost), `server_bye` (its server shut down cleanly),
 * `server_lost` (its server was unheard for PEER_TIMEOUT_MS or dropped).
 */
export type RemoteLeaveReason = PresenceLeaveReason | 'vanished' | 'server_bye' | 'server_lost';

export type RosterChange =
  | { type: 'joined'; callsign: string; room: string; server: string }
  | { type: 'left'; callsign: string; room: string; server: string; reason: RemoteLeaveReason }
  | { type: 'talk'; callsign: string; room: string; server: string; talking: boolean }
  /** `room` is where it is now. */
  | { type: 'moved'; callsign: string; room: string; server: string; from: string };

export interface PeerSummary {
  server_id: string;
  last_seen_s: number;
  stations: number;
}

/**
 * The conflict rule for one callsign claimed on two servers: the earlier join wins,
 * a tie goes to the lower server id (so both servers decide the same way). True when
 * `a` keeps the callsign.
 */
export function wins(a: { joinedAtMs: number; server: string }, b: { joinedAtMs: number; server: string }): boolean {
  if (a.joinedAtMs !== b.joinedAtMs) return a.joinedAtMs < b.joinedAtMs;
  return a.server <= b.server;
}

/** A leaving talker first stops talking, so listeners see the end of its transmission. */
function left(st: RemoteStation, reason: RemoteLeaveReason, out: RosterChange[]): void {
  if (st.talking) out.push({ type: 'talk', callsign: st.callsign, room: st.room, server: st.server, talking: false });
  out.push({ type: 'left', callsign: st.callsign, room: st.room, server: st.server, reason });
}

interface Peer {
  lastSeenMs: number;
  stations: Map<string, RemoteStation>;
}

export class RemoteRoster {
  private readonly byServer = new Map<string, Peer>();

  /** Applies one message from another server; returns what changed (empty when nothing did). */
  apply(m: PresenceMessage, nowMs: number): RosterChange[] {
    if (m.kind === 'bye') return this.drop(m.server, 'server_bye');
    let peer = this.byServer.get(m.server);
    if (!peer) {
      if (this.byServer.size >= MAX_PEERS) return [];
      peer = { lastSeenMs: nowMs, stations: new Map() };
      this.byServer.set(m.server, peer);
    }
    peer.lastSeenMs = nowMs;
    const out: RosterChange[] = [];
    switch (m.kind) {
      case 'snapshot': {
        const seen = new Set<string>();
        for (const s of m.stations.slice(0, MAX_STATIONS_PER_PEER)) {
          if (seen.has(s.callsign)) continue;
          seen.add(s.callsign);
          this.upsert(peer, m.server, s.callsign, s.room, nowMs, nowMs - s.connected_s * 1000, out);
          this.setAuthenticated(peer, s.callsign, s.auth === true);
          this.setTalking(peer, m.server, s.callsign, s.talking, out);
        }
        for (const [call, st] of peer.stations) {
          if (seen.has(call)) continue;
          peer.stations.delete(call);
          left(st, 'vanished', out);
        }
        break;
      }
      case 'join':
        this.upsert(peer, m.server, m.callsign, m.room, nowMs, nowMs, out);
        this.setAuthenticated(peer, m.callsign, m.auth === true);
        break;
      case 'leave': {
        const st = peer.stations.get(m.callsign);
        if (st) {
          peer.stations.delete(m.callsign);
          left(st, m.reason, out);
        }
        break;
      }
      case 'talk':
        // A talk for a station not yet known (its join was lost) makes it known.
        this.upsert(peer, m.server, m.callsign, m.room, nowMs, nowMs, out);
        this.setTalking(peer, m.server, m.callsign, m.talking, out);
        break;
      case 'room':
        this.upsert(peer, m.server, m.callsign, m.to, nowMs, nowMs, out);
        break;
      case 'hold':
        // Kicks and bans are for the server's hold list, not the roster.
        break;
    }
    return out;
  }

  /** Drops every server unheard for PEER_TIMEOUT_MS; returns the stations that left with them. */
  expire(nowMs: number): RosterChange[] {
    const out: RosterChange[] = [];
    for (const [id, peer] of [...this.byServer]) {
      if (nowMs - peer.lastSeenMs > PEER_TIMEOUT_MS) out.push(...this.drop(id, 'server_lost'));
    }
    return out;
  }

  /** Forgets one server and its stations (e.g. the sysop removed it, or it said bye). */
  dropServer(id: string): RosterChange[] {
    return this.drop(id, 'server_lost');
  }

  /**
   * The remote station holding `callsign`, or undefined. When two servers claim it,
   * the one `wins` prefers.
   */
  holder(callsign: string): RemoteStation | undefined {
    let best: RemoteStation | undefined;
    for (const peer of this.byServer.values()) {
      const st = peer.stations.get(callsign);
      if (st && (!best || wins(st, best))) best = st;
    }
    return best;
  }

  inRoom(room: string): RemoteStation[] {
    return this.all().filter((s) => s.room === room);
  }

  /** Every remote station, ordered by server then callsign. */
  all(): RemoteStation[] {
    const out: RemoteStation[] = [];
    for (const id of [...this.byServer.keys()].sort()) {
      const peer = this.byServer.get(id)!;
      out.push(...[...peer.stations.values()].sort((a, b) => (a.callsign < b.callsign ? -1 : a.callsign > b.callsign ? 1 : 0)));
    }
    return out.map((s) => ({ ...s }));
  }

  /** The stats contract's view of every remote station. */
  stats(nowMs: number): RemoteStationStats[] {
    return this.all().map((s) => ({
      callsign: s.callsign,
      room: s.room,
      server: s.server,
      talking: s.talking,
      connected_s: Math.max(0, Math.floor((nowMs - s.joinedAtMs) / 1000)),
      last_seen_s: Math.max(0, Math.floor((nowMs - s.lastSeenMs) / 1000)),
    }));
  }

  peers(nowMs: number): PeerSummary[] {
    return [...this.byServer.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, p]) => ({ server_id: id, last_seen_s: Math.max(0, Math.floor((nowMs - p.lastSeenMs) / 1000)), stations: p.stations.size }));
  }

  /** Remote stations per room. */
  countByRoom(): Map<string, number> {
    const out = new Map<string, number>();
    for (const peer of this.byServer.values()) {
      for (const st of peer.stations.values()) out.set(st.room, (out.get(st.room) ?? 0) + 1);
    }
    return out;
  }

  get size(): number {
    let n = 0;
    for (const peer of this.byServer.values()) n += peer.stations.size;
    return n;
  }

  private drop(id: string, reason: RemoteLeaveReason): RosterChange[] {
    const peer = this.byServer.get(id);
    if (!peer) return [];
    this.byServer.delete(id);
    const out: RosterChange[] = [];
    for (const st of peer.stations.values()) left(st, reason, out);
    return out;
  }

  private upsert(peer: Peer, server: string, callsign: string, room: string, nowMs: number, joinedAtMs: number, out: RosterChange[]): void {
    const st = peer.stations.get(callsign);
    if (!st) {
      if (peer.stations.size >= MAX_STATIONS_PER_PEER) return;
      peer.stations.set(callsign, { callsign, room, server, talking: false, joinedAtMs, lastSeenMs: nowMs, authenticated: false });
      out.push({ type: 'joined', callsign, room, server });
      return;
    }
    st.lastSeenMs = nowMs;
    if (st.room !== room) {
      const from = st.room;
      st.room = room;
      // Whoever talked in the old room is not talking in the new one until it says so.
      if (st.talking) {
        st.talking = false;
        out.push({ type: 'talk', callsign, room: from, server, talking: false });
      }
      out.push({ type: 'moved', callsign, room, server, from });
    }
  }

  private setAuthenticated(peer: Peer, callsign: string, on: boolean): void {
    const st = peer.stations.get(callsign);
    if (st) st.authenticated = on;
  }

  /** The station `server` lists as `callsign`, or undefined (the frame check: a peer speaks for its own stations only). */
  stationOf(server: string, callsign: string): RemoteStation | undefined {
    return this.byServer.get(server)?.stations.get(callsign);
  }

  /** How many of `server`'s stations a snapshot listing `callsigns` would add or remove (the presence budget's cost). */
  snapshotChanges(server: string, callsigns: readonly string[]): number {
    const have = this.byServer.get(server)?.stations;
    if (have === undefined) return callsigns.length;
    let added = 0;
    const listed = new Set(callsigns);
    for (const c of listed) if (!have.has(c)) added++;
    let removed = 0;
    for (const c of have.keys()) if (!listed.has(c)) removed++;
    return added + removed;
  }

  private setTalking(peer: Peer, server: string, callsign: string, talking: boolean, out: RosterChange[]): void {
    const st = peer.stations.get(callsign);
    if (!st || st.talking === talking) return;
    st.talking = talking;
    out.push({ type: 'talk', callsign, room: st.room, server, talking });
  }
}
