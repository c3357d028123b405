import { inert } from '../../util/inert-text.js';
import { entryNote } from '../entry-notes.js';
import { defaultExportName, exportsDir } from '../exports.js';
import type { HistoryEntry } from '../types.js';
import { CommandError, type Command } from './types.js';

/** One history entry on one line (line mode, /history, the line-mode "📼" note). */
export function describeEntry(h: HistoryEntry): string {
  const when = new Date(h.at).toLocaleTimeString('en-GB', { hour12: false });
  const call = inert(h.callsign);
  if (h.type === 'chat') return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${call}: ${inert(h.text)}${entryNote(h)}`;
  return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${call} transmission ${(h.durationMs / 1000).toFixed(1)} s, ${h.frames} frames, ${h.framesLost} lost${h.open ? ' (on air)' : ''}${entryNote(h)}`;
}

export const HISTORY_COMMANDS: readonly Command[] = [
  {
    name: '/history',
    args: '[N]',
    help: 'list the last N history entries (default 20)',
    run({ core, out }, args) {
      const a = args[0];
      if (args.length > 1 || (a !== undefined && !/^[1-9]\d{0,6}$/.test(a))) throw new CommandError(`/history ${inert(args.join(' '))}: N must be a whole number of entries, e.g. /history 50`);
      const list = core.view.history(a === undefined ? 20 : Number(a));
      out.block('history', 'History', list.length === 0 ? ['(history is empty)'] : list.map((h) => `#${h.id} ${describeEntry(h)}`));
    },
  },
  {
    name: '/play',
    args: 'N',
    help: 'replay transmission N through the audio output',
    run({ core, out }, args) {
      const entry = core.entry(args[0], 'usage: /play N (a transmission number from /history)');
      const playing = core.play(entry);
      out.say(`▶️  playing #${entry.id}`, 'ok');
      // The replay runs in the background: later commands need not wait for it to end.
      playing.then(
        () => out.say(`⏹️  #${entry.id} done`, 'ok'),
        (err: unknown) => out.say(`#${entry.id}: ${err instanceof Error ? err.message : String(err)}`, 'error'),
      );
    },
  },
  {
    name: '/export',
    args: 'N [FILE]',
    help: `write entry N: a transmission as .wav or .ogg/.opus, a chat line as .txt; a bare name goes to ${exportsDir()}`,
    async run({ core, out }, args) {
      const entry = core.entry(args[0], 'usage: /export N [FILE] (.wav, .ogg or .opus; .txt for a chat line)');
      const file = await core.exportEntry(entry, args.slice(1).join(' ') || defaultExportName(entry));
      out.say(`💾 #${entry.id} written to ${file}`, 'ok');
    },
  },
];
