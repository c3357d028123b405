import type { StationLinkView } from './link-view.js';
/**
 * The station engine's public contract: what a user interface (line mode, TUI)
 * may call and listen to. UIs import only this file and `engine.ts`.
 */
import type { StationVoiceStats } from './voice/receiver.js';
import type { RoomInfo } from './server-ext.js';
import type { CaptureCounters } from '../audio/index.js';

export type LinkState =
  | { kind: 'connecting' }
  /** An opv server echoes our keepalive: the round-trip time of the last one. */
  | { kind: 'connected'; rttMs: number }
  /** Keepalives are never echoed but other stations are heard: a reference server. */
  | { kind: 'reference' }
  /**
   * Keepalives go out and nothing answers. `wasConnected`: the server used to echo
   * them, so it is down or unreachable (chat is held); `sinceMs`: epoch ms of the last
   * sign of life (or of the first unanswered keepalive, when there never was one).
   */
  | { kind: 'no_reply'; sinceMs: number; wasConnected: boolean }
  /** Sending fails (unresolvable host, network unreachable…), in words. */
  | { kind: 'unreachable'; error: string };

export type Direction = 'in' | 'out';

/**
 * How an outgoing chat line fared (absent: sent at once). `held`: the link was down,
 * it waits to be sent; `delayed`: sent late, when the link came back (`sentAt`);
 * `undelivered`: given up (link down too long, or too many lines waiting);
 * `unconfirmed`: sent while the server had never answered (a reference server that
 * nobody else talks on, or an opv server refusing us): it is sent again if an opv
 * server starts answering, since it evidently had not been taking our frames.
 */
export type ChatDelivery = 'held' | 'delayed' | 'undelivered' | 'unconfirmed';

export interface ChatEntry {
  id: number;
  type: 'chat';
  direction: Direction;
  callsign: string;
  /** ms since the Unix epoch (when typed, for outgoing lines) */
  at: number;
  text: string;
  delivery?: ChatDelivery;
  /** When a held line finally went out. */
  sentAt?: number;
}

export interface TransmissionEntry {
  id: number;
  type: 'transmission';
  direction: Direction;
  callsign: string;
  at: number;
  durationMs: number;
  frames: number;
  framesLost: number;
  /** Still being received or sent. */
  open: boolean;
  /** Closed at the next start after a crash or power cut, from what had been written. */
  recovered?: boolean;
}

/** Whether history reaches the disk. Memory keeps everything meanwhile (audio bounded). */
export type StorageState =
  | { saving: true; dir: string }
  /** `reason` names the path and says what is wrong, in words. */
  | { saving: false; dir: string; reason: string; since: number };

export type HistoryEntry = ChatEntry | TransmissionEntry;

export interface HeardStation {
  callsign: string;
  lastHeard: number;
  talking: boolean;
  /** RMS level 0..1 of what they are saying now (0 when silent). */
  level: number;
}

export interface TxState {
  active: boolean;
  /** ms epoch when PTT went down, when active */
  since: number | null;
  /** microphone RMS 0..1 */
  level: number;
}

export interface Talker {
  callsign: string;
  since: number;
  level: number;
}

/** The engine's counters, one snapshot (for /status and the TUI's status view). */
export interface StationStats {
  /** Frames from the server that were not valid opv frames (wrong size, token, callsign). */
  invalidFrames: number;
  /** Messages that failed to reassemble or decode (COBS, checksums, ports). */
  decodeErrors: number;
  /** Frames sent, and frames still queued for sending. */
  framesSent: number;
  framesQueued: number;
  /** Totals over the stations in `stations`. */
  opusCorrupt: number;
  opusMisfit: number;
  /** Per remote station: jitter buffer and decoder counters. */
  stations: Record<string, StationVoiceCounters>;
  /** Chat lines waiting for the link, and lines given up on since start. */
  chatHeld: number;
  chatUndelivered: number;
  storage: StorageState;
  /** The room this station is in and the server's rooms (opv servers with rooms). */
  room: RoomInfo;
  /** The microphone's delivery counters (ALSA capture), null for a device that keeps none. */
  capture: CaptureCounters | null;
}

/** One remote station's jitter buffer and decoder counters. */
export type StationVoiceCounters = StationVoiceStats;

export interface Notice {
  level: 'info' | 'warn' | 'error';
  text: string;
}

export interface StationEvents {
  /** A chat line arrived or was sent (after buffering). */
  chat: ChatEntry;
  /** Someone's PTT (ours: local = true). */
  ptt: { callsign: string; state: 'start' | 'stop'; at: number; local: boolean };
  link: LinkState;
  /** The link joined with what the server said of us (refused, banned, kicked): see link-view.ts. */
  linkView: StationLinkView;
  tx: TxState;
  /** Who is talking now, with levels; emitted on change and about every 100 ms while anyone talks. */
  rx: Talker[];
  /**
   * A history entry was added or changed: an open transmission grows (about once a
   * second, ours too: its running length), a held chat line was sent late or given up.
   */
  history: HistoryEntry;
  /** History stopped reaching the disk (with the reason in words) or reaches it again. */
  storage: StorageState;
  heard: HeardStation[];
  /** Chat lines waiting for PTT release. */
  buffered: number;
  /** Chat lines held while the link is down (0 when all went out). */
  held: number;
  notice: Notice;
  /** A station said BYE. */
  left: { callsign: string; at: number };
  /** The room, the list of rooms or a queued room request changed. */
  room: RoomInfo;
}

export interface StationCommands {
  sendChat(text: string): void;
  /** Key or unkey the transmitter (refused, with a notice, when there is no microphone). */
  setPtt(on: boolean): void;
  readonly pttActive: boolean;
  readonly bufferedCount: number;
  linkState(): LinkState;
  /** Counters for diagnosis. */
  stats(): StationStats;
  /** Whether history is being saved. */
  storageState(): StorageState;
  heardStations(): HeardStation[];
  /** Newest last. */
  history(limit?: number): HistoryEntry[];
  /** Plays a stored transmission to the output device; resolves when done. */
  play(entryId: number): Promise<void>;
  /** Writes a stored transmission as a WAV (".wav") or Ogg Opus (".ogg"/".opus") file. */
  exportEntry(entryId: number, file: string): Promise<void>;
  close(): Promise<void>;
}
