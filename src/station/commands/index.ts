/** The command layer: what the faces (full-screen UI, line mode, a control socket) may use. */
export { StationCore } from './core.js';
export { COMMANDS, commandHelp, parseLine, findCommand, type Command, type Face, type ParsedLine } from './table.js';
export { describeEntry } from './history.js';
export { statusText } from './status-text.js';
export { CommandError, type BlockKind, type CommandOutput, type OutputKind, type StationView, type ExtView, type SpeechView, type AuthView } from './types.js';
export type { PttSource } from '../ptt/controller.js';
