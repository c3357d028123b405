/**
 * The station engine's public contract: what a user interface (line mode, TUI)
 * may call and listen to. UIs import only this file and `engine.ts`.
 */

export type LinkState =
  | { kind: 'connecting' }
  /** An opv server echoes our keepalive: the round-trip time of the last one. */
  | { kind: 'connected'; rttMs: number }
  /** Keepalives go out but nothing echoes them (a reference server never does). */
  | { kind: 'no_reply'; sinceMs: number }
  /** Sending fails (unresolvable host, network unreachable…). */
  | { kind: 'unreachable'; error: string };

export type Direction = 'in' | 'out';

export interface ChatEntry {
  id: number;
  type: 'chat';
  direction: Direction;
  callsign: string;
  /** ms since the Unix epoch */
  at: number;
  text: string;
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
}

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
  tx: TxState;
  /** Who is talking now, with levels; emitted on change and about every 100 ms while anyone talks. */
  rx: Talker[];
  /** A history entry was added or changed (an open transmission grows). */
  history: HistoryEntry;
  heard: HeardStation[];
  /** Chat lines waiting for PTT release. */
  buffered: number;
  notice: Notice;
  /** A station said BYE. */
  left: { callsign: string; at: number };
}

export interface StationCommands {
  sendChat(text: string): void;
  /** Key or unkey the transmitter. */
  setPtt(on: boolean): void;
  readonly pttActive: boolean;
  readonly bufferedCount: number;
  linkState(): LinkState;
  heardStations(): HeardStation[];
  /** Newest last. */
  history(limit?: number): HistoryEntry[];
  /** Plays a stored transmission to the output device; resolves when done. */
  play(entryId: number): Promise<void>;
  /** Writes a stored transmission as a WAV (".wav") or Ogg Opus (".ogg"/".opus") file. */
  exportEntry(entryId: number, file: string): Promise<void>;
  close(): Promise<void>;
}
