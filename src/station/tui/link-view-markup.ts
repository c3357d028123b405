import { linkViewText, linkViewTone, type StationLinkView } from '../link-view.js';
import { escape } from './format.js';

const COLOUR = { good: 'green', wait: 'yellow', bad: 'red' } as const;

/** The link view in the header's colours (the words are link-view.ts's, shared with line mode). */
export function linkViewMarkup(v: StationLinkView, nowMs: number = Date.now()): string {
  const c = COLOUR[linkViewTone(v)];
  return `{${c}-fg}${escape(linkViewText(v, nowMs, 'compact'))}{/${c}-fg}`;
}
