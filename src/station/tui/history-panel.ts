import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import type { HistoryEntry } from '../types.js';
import { entryLine } from './format.js';

/**
 * Chat lines and transmissions in time order over the whole stored history. The list
 * follows new entries unless the operator has scrolled up to look at old ones.
 */
export function createHistoryPanel(screen: blessed.Widgets.Screen, engine: StationEngine, opts: { top: number; bottom: number; right: number }) {
  const list = blessed.list({
    parent: screen,
    label: ' History (Tab: select, Enter: replay, e: export) ',
    top: opts.top,
    left: 0,
    right: opts.right,
    bottom: opts.bottom,
    border: 'line',
    tags: true,
    keys: true,
    vi: true,
    mouse: true,
    scrollbar: { ch: ' ', style: { bg: 'grey' } },
    style: { selected: { bg: 'blue' }, border: { fg: 'grey' }, focus: { border: { fg: 'white' } } },
  });
  let entries: HistoryEntry[] = [];
  const refresh = (): void => {
    const follow = entries.length === 0 || (list as unknown as { selected: number }).selected >= entries.length - 1;
    entries = engine.history();
    list.setItems(entries.map(entryLine));
    if (follow) list.select(entries.length - 1);
  };
  refresh();
  return {
    list,
    refresh,
    selected(): HistoryEntry | undefined {
      return entries[(list as unknown as { selected: number }).selected];
    },
  };
}
