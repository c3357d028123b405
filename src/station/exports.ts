import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { inert } from '../util/inert-text.js';
import type { HistoryEntry } from './types.js';
import { callsignForPath } from '../util/callsign-path.js';

export { callsignForPath };

/**
 * Where exports go and what they are called. A bare file name goes to one predictable
 * directory, `$XDG_DATA_HOME/opv/exports` (default ~/.local/share/opv/exports), not to
 * whatever directory the station was started in; an absolute path (or ~/…) is taken
 * as given. Messages always show the full path.
 */
export function exportsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_DATA_HOME || path.join(env.HOME || homedir(), '.local', 'share'), 'opv', 'exports');
}

export function exportPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  if (name === '~' || name.startsWith('~/')) return path.join(home, name.slice(1));
  if (path.isAbsolute(name)) return path.normalize(name);
  return path.resolve(exportsDir(env), name);
}


export function defaultExportName(e: HistoryEntry): string {
  return `opv-${callsignForPath(e.callsign)}-${e.id}.${e.type === 'chat' ? 'txt' : 'wav'}`;
}

const REASONS: Record<string, string> = {
  ENOENT: 'the directory does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EISDIR: 'that is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error (a failing disk?)',
};

/** An error from writing `file`, in words: "cannot write /x/y.wav: the directory does not exist". */
export function writeErrorText(err: unknown, file: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err).code) : '';
  const reason = REASONS[code];
  if (reason) return `cannot write ${file}: ${reason}`;
  return err instanceof Error ? err.message : String(err);
}

/** The text of a chat entry as exported: one line, inert, newline-terminated. */
export function chatExportText(e: HistoryEntry & { type: 'chat' }): string {
  return `${new Date(e.at).toISOString()} ${e.direction === 'in' ? 'from' : 'to'} ${e.callsign}: ${inert(e.text)}\n`;
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/**
 * Exports one history entry: a transmission through `writeVoice` (WAV or Ogg Opus by
 * extension), a chat line as a text file. Resolves with the full path written.
 */
export async function exportHistoryEntry(
  e: HistoryEntry,
  name: string,
  writeVoice: (id: number, file: string) => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const file = exportPath(name, env);
  if (file.startsWith(exportsDir(env) + path.sep)) {
    try {
      await mkdir(path.dirname(file), { recursive: true });
    } catch (err) {
      throw new ExportError(writeErrorText(err, file));
    }
  }
  try {
    if (e.type === 'chat') {
      if (!/\.txt$/i.test(file)) throw new ExportError(`#${e.id} is a chat line: export it to a .txt file`);
      await writeFile(file, chatExportText(e));
    } else await writeVoice(e.id, file);
  } catch (err) {
    if (err instanceof ExportError) throw err;
    throw new ExportError(writeErrorText(err, file));
  }
  return file;
}
