import type { InterlinkStats, RemoteStationStats } from '../contract/stats.js';
import type { RosterEntry } from '../protocol/ext.js';

/** A sysop's action shared with every server of the network. */
export type HoldAction = 'kick' | 'ban' | 'unban';

/** One of this server's stations as the other servers of the network see it. */
export interface PresenceStation {
  callsign: string;
  room: string;
  talking: boolean;
  connected_s: number;
  /**
   * When its server admitted it (ms since the epoch, that server's clock): the duplicate
   * rule compares it exactly; connected_s is only to the second. Absent from older peers.
   */
  joined_at?: number;
  /** It proved its key on its server (docs/EXTENSIONS.md, "Interlink messages"): absent or false otherwise. */
  auth?: boolean;
}

/**
 * What the relay needs from the NATS interlink, kept narrow so the relay neither knows
 * NATS nor waits on it. `publishFrame` is synchronous and never blocks: while the link is
 * down it drops (and counts) rather than queues, since stale voice is useless.
 */
export interface Uplink {
  publishFrame(room: string, frame: Buffer): void;
  /** Subscribes to a room's frames from other servers while a local station is in it. */
  setInterest(room: string, on: boolean): void;
}

/** A station on another server, as far as this server's decisions go. */
export interface RemoteHolder {
  server: string;
  room: string;
}


/** What the relay asks of the network's shared presence. */
export interface NetworkView {
  /** The callsign is active on another server (the network-wide hijack rule). */
  holder(callsign: string): RemoteHolder | undefined;
  /** Stations on other servers, by room. */
  countByRoom(): Map<string, number>;
  /** Roster entries (with their server) of the stations in a room on other servers. */
  rosterOf(room: string, nowMs: number): RosterEntry[];
  remoteStations(nowMs: number): RemoteStationStats[];
  /** Callsigns talking in a room on other servers. */
  talkingIn(room: string): string[];
  /** A sysop's kick, ban or unban, for every server of the network. */
  shareHold(action: HoldAction, callsign: string, untilMs: number | null): void;
  stats(nowMs: number): InterlinkStats;
}
