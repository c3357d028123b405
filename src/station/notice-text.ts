import { inert } from '../util/inert-text.js';
import type { Notice } from './types.js';

/**
 * What a notice says to the operator. Device errors arrive with the audio library's own
 * text inside (`arecord: main:831: audio open error…`, ``Assertion `pcm && params'``),
 * which means nothing to an operator and is cut off at the panel edge: say what it
 * means instead (the raw text goes to the diagnostic log). Always inert.
 */
export function noticeText(n: Notice): string {
  const t = n.text;
  if (/^no microphone\b/i.test(t)) return 'no microphone: chat works, PTT disabled';
  if (/^no audio output\b/i.test(t)) return 'no audio output: chat works, voice is kept in history only';
  return inert(t);
}
