import blessed from 'blessed';
import type { StationView } from '../commands/types.js';
import type { HistoryEntry } from '../types.js';
import { entryLines } from './format.js';
import { BORDER, FOCUS_BORDER } from './theme.js';

export interface HistoryPanel {
  box: blessed.Widgets.BoxElement;
  refresh(): void;
  render(): void;
  selected(): HistoryEntry | undefined;
  /** Back to live traffic (the operator left the history for the chat line). */
  live(): void;
}

/**
 * Chat lines and transmissions in time order over the whole stored history, each entry
 * wrapped to the panel's width (long ones cut after a few lines: Enter opens them
 * whole). Selection moves by entry. The view follows new entries unless the operator
 * has moved up to look at old ones; then the label counts what came since ("new ↓"),
 * and leaving the history (Tab, Esc) goes back to live.
 */
export function createHistoryPanel(screen: blessed.Widgets.Screen, engine: StationView, opts: { top: number; bottom: number; right: number }): HistoryPanel {
  const box = blessed.box({
    parent: screen,
    label: ' History (Tab: select, Enter: open, e: export) ',
    top: opts.top,
    left: 0,
    right: opts.right,
    bottom: opts.bottom,
    border: 'line',
    tags: true,
    // blessed wraps only what its own count finds too long; with wrap off it would cut
    // lines by UTF-16 units and lose the end of any line with emoji in it.
    wrap: true,
    mouse: true,
    style: { border: { fg: BORDER }, focus: { border: { fg: FOCUS_BORDER } } },
  });
  let entries: HistoryEntry[] = [];
  let sel = -1;
  /** First visible line (of all entries' lines). */
  let top = 0;
  let follow = true;
  /** Entries that arrived while the operator was looking at old ones. */
  let unseen = 0;

  const innerWidth = (): number => Math.max(10, (box.width as number) - 2);
  const innerHeight = (): number => Math.max(1, (box.height as number) - 2);

  const render = (): void => {
    const width = innerWidth();
    const height = innerHeight();
    if (follow) sel = entries.length - 1;
    const all: string[] = [];
    let selStart = 0;
    let selEnd = 0;
    entries.forEach((e, i) => {
      if (i === sel) selStart = all.length;
      all.push(...entryLines(e, width, i === sel && screen.focused === box).lines);
      if (i === sel) selEnd = all.length;
    });
    if (follow) top = Math.max(0, all.length - height);
    else {
      // Keep the selected entry in view (its start when it is taller than the panel).
      if (selEnd > top + height) top = selEnd - height;
      if (selStart < top) top = selStart;
      top = Math.max(0, Math.min(top, Math.max(0, all.length - height)));
    }
    const more = top > 0 ? ` ↑${top}` : '';
    // While browsing, what arrived meanwhile is counted where the eye is: the label.
    box.setLabel(!follow && unseen > 0 ? ` History${more}  new ↓ ${unseen} (Tab: back to live) ` : ` History (Tab: select, Enter: open, e: export)${more} `);
    box.setContent(all.slice(top, top + height).join('\n'));
  };

  const refresh = (): void => {
    const before = entries.length === 0 ? 0 : entries[entries.length - 1]!.id;
    entries = engine.history();
    if (!follow) unseen += entries.filter((e) => e.id > before).length;
    if (sel >= entries.length) sel = entries.length - 1;
    render();
  };

  const move = (by: number): void => {
    if (entries.length === 0) return;
    sel = Math.max(0, Math.min(entries.length - 1, (sel < 0 ? entries.length : sel) + by));
    follow = sel === entries.length - 1;
    if (follow) unseen = 0;
    render();
    screen.render();
  };
  // Letters are not history keys: typed here they go to the chat line (tui/index.ts).
  box.key(['up'], () => move(-1));
  box.key(['down'], () => move(1));
  box.key(['pageup'], () => move(-Math.max(1, Math.floor(innerHeight() / 2))));
  box.key(['pagedown'], () => move(Math.max(1, Math.floor(innerHeight() / 2))));
  box.key(['home'], () => move(-entries.length));
  box.key(['end'], () => move(entries.length));
  box.on('wheelup', () => move(-1));
  box.on('wheeldown', () => move(1));
  box.on('focus', () => {
    render();
    screen.render();
  });
  box.on('blur', () => {
    render();
    screen.render();
  });
  refresh();
  return {
    box,
    refresh,
    render,
    selected: () => (sel >= 0 ? entries[sel] : undefined),
    live: () => {
      follow = true;
      unseen = 0;
      render();
    },
  };
}
