import type { HistoryEntry } from './types.js';

/**
 * What became of a line sent or a transmission recorded, in the words every view uses
 * (line mode's /history, the full-screen history): "" when there is nothing to say.
 */
export function entryNote(e: HistoryEntry): string {
  if (e.type === 'transmission') return e.recovered ? ' (recovered after a crash)' : '';
  switch (e.delivery) {
    case undefined:
      return '';
    case 'held':
      return ' (held)';
    case 'delayed':
      return ' (delayed)';
    case 'undelivered':
      return ' (not delivered)';
    case 'unconfirmed':
      return ' (not confirmed)';
  }
}
