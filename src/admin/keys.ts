/**
 * The dashboard's keys: one table that binds them, writes the footer, the `?` help
 * overlay and `opv admin --help` (so no key is bound without being listed, or listed
 * without being bound). Pure: `--help` must not load blessed.
 */

/** What a key does; the dashboard must give each one a handler (a Record over this type). */
export type KeyAction =
  | 'help'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'first'
  | 'last'
  | 'sort'
  | 'reverse'
  | 'room'
  | 'kick'
  | 'ban'
  | 'bans'
  | 'announce'
  | 'quit'
  | 'yes'
  | 'no'
  | 'closeHelp';

/** Where a key works: the main screen, or one of the boxes drawn over it. */
export type KeyContext = 'main' | 'confirm' | 'bans' | 'announce' | 'help';

export interface KeyBinding {
  context: KeyContext;
  /** blessed key names (screen.key); empty for keys a box handles itself (typing in the announce box). */
  keys: readonly string[];
  /** As the sysop reads it ("↑↓", "PgUp", "?/F1"). */
  label: string;
  /** A word or two for the footer. */
  short: string;
  /** One line for the help overlay. */
  help: string;
  /** Footer priority (lower shows first when the width is short); 0: never dropped. */
  rank: number;
  /** The action the dashboard runs; absent: the box on top handles the key itself (the ban list, the announce box). */
  action?: KeyAction;
  /** Needs the ban list / announce endpoints (the dashboard has them unless built without). */
  ext?: boolean;
}

export const KEY_TABLE: readonly KeyBinding[] = [
  { context: 'main', action: 'help', keys: ['?', 'f1'], label: '?/F1', short: 'help', help: 'this help', rank: 0 },
  { context: 'main', action: 'quit', keys: ['q', 'C-c'], label: 'q', short: 'quit', help: 'quit (also Ctrl+C)', rank: 1 },
  { context: 'main', action: 'kick', keys: ['k'], label: 'k', short: 'kick', help: 'kick the selected station', rank: 2 },
  { context: 'main', action: 'ban', keys: ['b'], label: 'b', short: 'ban', help: 'ban the selected station', rank: 3 },
  { context: 'main', action: 'announce', keys: ['a'], label: 'a', short: 'announce', help: 'announce to all stations', rank: 4, ext: true },
  { context: 'main', action: 'bans', keys: ['u'], label: 'u', short: 'bans', help: 'ban list, to unban', rank: 5, ext: true },
  { context: 'main', action: 'sort', keys: ['s'], label: 's', short: 'sort', help: 'sort by the next column', rank: 6 },
  { context: 'main', action: 'reverse', keys: ['r'], label: 'r', short: 'reverse', help: 'reverse the order', rank: 7 },
  { context: 'main', action: 'room', keys: ['f'], label: 'f', short: 'room', help: 'room filter: all, each', rank: 8 },
  { context: 'main', action: 'up', keys: ['up'], label: '↑', short: 'select', help: 'select a station', rank: 9 },
  { context: 'main', action: 'down', keys: ['down'], label: '↓', short: 'select', help: 'select a station', rank: 9 },
  { context: 'main', action: 'pageUp', keys: ['pageup'], label: 'PgUp', short: 'page', help: 'page through the table', rank: 10 },
  { context: 'main', action: 'pageDown', keys: ['pagedown'], label: 'PgDn', short: 'page', help: 'page through the table', rank: 10 },
  { context: 'main', action: 'first', keys: ['home', 'g'], label: 'Home', short: 'first/last', help: 'first/last station (g G)', rank: 11 },
  { context: 'main', action: 'last', keys: ['end', 'S-g'], label: 'End', short: 'first/last', help: 'first/last station (g G)', rank: 11 },
  { context: 'confirm', action: 'yes', keys: ['y'], label: 'y', short: 'yes', help: 'do it', rank: 0 },
  { context: 'confirm', action: 'no', keys: ['n', 'escape', 'q'], label: 'n/Esc', short: 'no', help: 'cancel', rank: 0 },
  { context: 'bans', keys: ['up', 'down'], label: '↑↓', short: 'select', help: 'select a ban', rank: 0 },
  { context: 'bans', keys: ['u', 'enter'], label: 'u/Enter', short: 'unban', help: 'unban it', rank: 0 },
  { context: 'bans', keys: ['escape'], label: 'Esc', short: 'close', help: 'close the list', rank: 0 },
  { context: 'announce', keys: ['enter'], label: 'Enter', short: 'send', help: 'send it', rank: 0 },
  { context: 'announce', keys: ['C-u'], label: 'Ctrl+U', short: 'clear', help: 'clear the text', rank: 0 },
  { context: 'announce', keys: ['escape'], label: 'Esc', short: 'close', help: 'close, keeping the text', rank: 0 },
  { context: 'help', action: 'closeHelp', keys: ['escape', '?', 'f1', 'q'], label: 'Esc/?', short: 'close', help: 'close this help', rank: 0 },
];

const CONTEXT_TITLE: Record<KeyContext, string> = {
  main: 'Dashboard',
  confirm: 'Kick / ban question',
  bans: 'Ban list (u)',
  announce: 'Announce box (a)',
  help: 'In this help',
};

/** The keys of one context (without the ext ones when the dashboard has no ext client). */
export function keysOf(context: KeyContext, ext = true): KeyBinding[] {
  return KEY_TABLE.filter((k) => k.context === context && (ext || !k.ext));
}

/** Bindings that share a footer word ("↑↓ select", "PgUp/PgDn page") shown as one item. */
function footerItems(bindings: readonly KeyBinding[]): { text: string; rank: number }[] {
  const items: { short: string; labels: string[]; rank: number }[] = [];
  for (const b of bindings) {
    const same = items.find((i) => i.short === b.short && i.rank === b.rank);
    if (same) same.labels.push(b.label);
    else items.push({ short: b.short, labels: [b.label], rank: b.rank });
  }
  return items.map((i) => ({ text: `${i.labels.join(i.labels.every((l) => l.length === 1) ? '' : '/')} ${i.short}`, rank: i.rank }));
}

const SEP = '  ';

/**
 * The footer for `width` columns: every key of the context when they fit, else the most
 * important ones (by rank) in table order, always with "? help" so none is out of reach.
 */
export function footerText(width: number, context: KeyContext = 'main', ext = true): string {
  const items = footerItems(keysOf(context, ext));
  const all = items.map((i) => i.text).join(SEP);
  if ([...all].length <= width) return all;
  const kept = new Set<number>();
  // "? help" (rank 0) first: it is the way to the rest.
  const order = items.map((it, i) => ({ ...it, i })).sort((a, b) => a.rank - b.rank || a.i - b.i);
  let used = 0;
  for (const it of order) {
    const w = [...it.text].length + (kept.size > 0 ? SEP.length : 0);
    if (it.rank !== 0 && used + w > width) continue;
    kept.add(it.i);
    used += w;
  }
  const shown = items.filter((_, i) => kept.has(i)).map((i) => i.text);
  const line = shown.join(SEP);
  return [...line].length <= width ? line : [...line].slice(0, width).join('');
}

/** One help line per key (keys with the same help merged: "↑ ↓  select a station"), grouped by context. */
export function helpGroups(ext = true): { title: string; lines: string[] }[] {
  const groups: { title: string; lines: string[] }[] = [];
  for (const context of Object.keys(CONTEXT_TITLE) as KeyContext[]) {
    const keys = keysOf(context, ext);
    if (keys.length === 0) continue;
    const merged: { labels: string[]; help: string }[] = [];
    for (const k of keys) {
      const last = merged[merged.length - 1];
      if (last?.help === k.help) last.labels.push(k.label);
      else merged.push({ labels: [k.label], help: k.help });
    }
    groups.push({ title: CONTEXT_TITLE[context], lines: merged.map((m) => `${m.labels.join(' ').padEnd(HELP_LABEL_WIDTH)} ${m.help}`) });
  }
  return groups;
}

const HELP_LABEL_WIDTH = 9;

/**
 * The help overlay's text for a screen of `cols`×`rows`: one column when it fits the
 * height, else two (the dashboard's keys on the left, the boxes' on the right).
 */
export function helpLines(ext = true, rows = Infinity, cols = Infinity): string[] {
  const groups = helpGroups(ext);
  const block = (gs: typeof groups): string[] => gs.flatMap((g, i) => [...(i > 0 ? [''] : []), g.title, ...g.lines.map((l) => `  ${l}`)]);
  const one = block(groups);
  if (one.length + 2 <= rows) return one;
  const left = block(groups.slice(0, 1));
  const right = block(groups.slice(1));
  const lw = Math.max(...left.map((l) => [...l].length));
  const rw = Math.max(...right.map((l) => [...l].length));
  if (lw + 3 + rw + 4 > cols) return one;
  return Array.from({ length: Math.max(left.length, right.length) }, (_, i) => `${(left[i] ?? '').padEnd(lw)}   ${right[i] ?? ''}`.trimEnd());
}

/** For `opv admin --help`: the dashboard's keys on one line. */
export const KEY_HELP = footerItems(keysOf('main')).map((i) => i.text).join(SEP);
