/** The command layer: what the faces (full-screen UI, line mode, a control socket) may use. */
export { StationCore } from './core.js';
export { COMMANDS, commandHelp, parseLine, findCommand, type Command, type Face, type ParsedLine } from './table.js';
export { describeEntry } from './history.js';
export { statusText } from './status-text.js';
export { CommandError, type BlockKind, type CommandOutput, type OutputKind, type StationView, type ExtView, type SpeechView, type AuthView } from './types.js';
export type { PttSource } from '../ptt/controller.js';
// The words a face shows for what the views report (the engine's own text helpers, so
// both faces say the same), and the types of what the views carry.
export { speechLine, speechTag } from '../speech/describe.js';
export type { SpeechState } from '../speech/speech-queue.js';
export { describeRefusal, type Refusal } from '../server-ext.js';
export type { RoomCount } from '../../protocol/ext.js';
