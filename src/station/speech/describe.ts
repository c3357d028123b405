/** How the interfaces put the speech queue's state into words (line mode and the full-screen UI). */
import type { SpeechState } from './speech-queue.js';

/** Short tag for a prompt or status bar, '' when there is nothing to say. */
export function speechTag(s: SpeechState): string {
  if (!s.enabled) return '';
  if (s.available === false) return 'speech unavailable';
  if (s.playing !== null) return s.queued > 0 ? `speaking, ${s.queued} queued` : 'speaking';
  return s.queued > 0 ? `speech: ${s.queued} queued` : '';
}

/**
 * The line printed when the state changes in a way the operator should hear about
 * (speech started, or lines wait for the channel); null when nothing worth a line.
 */
export function speechLine(s: SpeechState, prev: SpeechState | null): string | null {
  if (prev === null || s.enabled !== prev.enabled) {
    // At start-up the notice about the missing espeak-ng has said it already.
    if (s.enabled && s.available === false) return prev === null ? null : '🔇 chat cannot be read aloud: espeak-ng is missing (apt-get install espeak-ng)';
    return s.enabled ? '🗣️  chat is read aloud (/speak off to stop)' : '🔕 chat is no longer read aloud';
  }
  if (!s.enabled) return null;
  if (s.playing !== null && s.playing !== prev.playing) {
    const who = s.playing === '' ? 'skipped-messages notice' : `${s.playing}'s message`;
    return `🗣️  speaking ${who}${s.queued > 0 ? ` (${s.queued} more queued)` : ''}`;
  }
  if (s.playing === null && s.queued > prev.queued && s.waitingForChannel) return `⏳ chat queued for speech, read when the channel is quiet (${s.queued} waiting)`;
  if (s.playing === null && prev.playing !== null && s.queued === 0) return '🔈 speech done';
  return null;
}
