import { inert } from '../../util/inert-text.js';
import { debugLog } from '../../util/debug-log.js';
import type { StationCore } from './core.js';
import { CommandError, type Command, type CommandOutput, type Face } from './types.js';
import { HISTORY_COMMANDS } from './history.js';
import { ROOM_COMMANDS } from './rooms.js';
import { AIR_COMMANDS, INFO_COMMANDS, SESSION_COMMANDS } from './session.js';

const log = debugLog('station', 'command');

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [...AIR_COMMANDS, ...HISTORY_COMMANDS, ...INFO_COMMANDS, ...ROOM_COMMANDS, ...SESSION_COMMANDS];

/** The help, one entry per command: the same words in both faces. */
export function commandHelp(): string[] {
  const rows = COMMANDS.map((c) => {
    const names = [c.name, ...(c.bare ?? [])].join(', ');
    return { head: `${names}${c.args ? ` ${c.args}` : ''}`, help: c.help };
  });
  const w = Math.max(...rows.map((r) => r.head.length)) + 2;
  return [
    ...rows.map((r) => `  ${r.head.padEnd(w)}${r.help}`),
    `  ${'<text>'.padEnd(w)}send a chat line (held back while transmitting)`,
    `  ${'//text'.padEnd(w)}send a chat line that begins with "/"`,
  ];
}

export function findCommand(word: string): Command | undefined {
  const w = word.toLowerCase();
  return COMMANDS.find((c) => c.name === w || c.aliases?.includes(w) === true);
}

/** What a typed line is: a command with its arguments, chat, or nothing. */
export type ParsedLine = { kind: 'empty' } | { kind: 'chat'; text: string } | { kind: 'command'; command: Command; args: string[] } | { kind: 'unknown'; word: string };

/**
 * A line starting with "/" is never chat: it is a command or an unknown one. "//text"
 * sends "/text" (the IRC convention). A bare command word alone on its line ("quit",
 * "status") is the command; with more words it is chat ("help is on the way").
 */
export function parseLine(line: string): ParsedLine {
  const t = line.trim();
  if (t === '') return { kind: 'empty' };
  if (t.startsWith('//')) return { kind: 'chat', text: t.slice(1) };
  const [word = '', ...args] = t.split(/\s+/);
  if (t.startsWith('/')) {
    const command = findCommand(word);
    return command ? { kind: 'command', command, args } : { kind: 'unknown', word };
  }
  if (args.length === 0) {
    const command = COMMANDS.find((c) => c.bare?.includes(word.toLowerCase()) === true);
    if (command) return { kind: 'command', command, args };
  }
  return { kind: 'chat', text: t };
}

/** Runs one typed line; a mistake is said to `out` as an error, never thrown at the face. */
export async function runCommandLine(core: StationCore, line: string, out: CommandOutput, face: Face): Promise<void> {
  const p = parseLine(line);
  try {
    switch (p.kind) {
      case 'empty':
        return;
      case 'chat':
        core.sendChat(p.text);
        return;
      case 'unknown':
        out.say(`unknown command ${inert(p.word)}: not sent (/help lists the commands; //text sends a line starting with "/")`, 'error');
        return;
      case 'command':
        log('%s %s', face, p.command.name);
        await p.command.run({ core, out, face, help: commandHelp }, p.args);
    }
  } catch (e) {
    out.say(e instanceof Error ? e.message : String(e), 'error');
  }
}

export { CommandError, type Command, type Face };
