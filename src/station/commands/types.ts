import { OpvError } from '../../errors.js';
import type { StationEngine } from '../engine.js';
import type { ServerExtension } from '../server-ext.js';
import type { SpeechQueue } from '../speech/speech-queue.js';
import type { StationAuth } from '../auth.js';
import type { StationCore } from './core.js';

/** What the extension lets a face read and listen to (changing it is a command's job). */
export type ExtView = Pick<ServerExtension, 'on' | 'off' | 'once' | 'roomInfo' | 'roster' | 'active' | 'refusal'>;
export type SpeechView = Pick<SpeechQueue, 'on' | 'off' | 'once' | 'state'>;
export type AuthView = Pick<StationAuth, 'on' | 'off' | 'once' | 'authenticated'>;

/**
 * The engine as a face sees it: state to show and events to listen to. Everything that
 * changes the station goes through the command layer (commands/core.ts), so both
 * faces (and an attached control socket) do the same thing for the same request.
 */
export type StationView = Pick<
  StationEngine,
  | 'callsign'
  | 'settings'
  | 'on'
  | 'off'
  | 'once'
  | 'linkState'
  | 'linkView'
  | 'heardStations'
  | 'history'
  | 'stats'
  | 'roomInfo'
  | 'pttActive'
  | 'bufferedCount'
  | 'heldCount'
  | 'txState'
  | 'startupNotices'
  | 'storageState'
  | 'micUnavailable'
> & { readonly ext: ExtView; readonly speech: SpeechView; readonly auth: AuthView | null };

export type OutputKind = 'info' | 'ok' | 'warn' | 'error';

/** Results of several lines: each face shows them its own way (printed lines, a box). */
export type BlockKind = 'help' | 'status' | 'who' | 'history';

/**
 * Where a command's results go: line mode prints them, the full-screen UI shows a
 * notice or a box, a control socket writes them back to its client.
 */
export interface CommandOutput {
  /** One result, plain text (shown inert by the face). */
  say(text: string, kind?: OutputKind): void;
  /** A result of several lines. */
  block(kind: BlockKind, title: string, lines: string[]): void;
  /** The operator asked to leave. */
  quit(): void | Promise<void>;
  /** Clear the screen (a face without one ignores it). */
  clear(): void;
}

/** A usage mistake or a request that cannot be done: said to the operator, nothing else happens. */
export class CommandError extends OpvError {
  override readonly name = 'CommandError';
  constructor(message: string) {
    super('OPV_COMMAND', message);
  }
}

/** Which face typed the line: the full-screen UI shows some results its own way. */
export type Face = 'tui' | 'line' | 'socket';

export interface CommandContext {
  core: StationCore;
  out: CommandOutput;
  face: Face;
  /** The help lines of every command (from the table). */
  help: () => string[];
}

/** One command of the table: the same in every face, and its help line comes from here. */
export interface Command {
  /** With its slash: "/who". */
  name: string;
  /** Other spellings ("/quit", "/exit"). */
  aliases?: readonly string[];
  /** Bare words that also run it when typed alone on a line ("quit"), in any letter case. */
  bare?: readonly string[];
  /** The arguments as the help shows them: "[on|off]", "N [FILE]". */
  args: string;
  /** One line (two at most) for the help. */
  help: string;
  run(ctx: CommandContext, args: string[]): void | Promise<void>;
}

