import { entryNote } from '../entry-notes.js';
import { inert, inertTagged } from '../../util/inert-text.js';
import { cellSafe, layoutWidth, padCells, truncateCells, wrapCells } from '../../util/cell-width.js';
import type { HistoryEntry, LinkState } from '../types.js';

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A 0..1 level as a bar of `width` cells. */
export function meter(level: number, width: number): string {
  const w = Math.max(0, width);
  const n = Math.max(0, Math.min(w, Math.round(Math.sqrt(level) * w * 1.5)));
  return '█'.repeat(n) + '░'.repeat(w - n);
}

export function linkText(l: LinkState): string {
  switch (l.kind) {
    case 'connecting':
      return '{yellow-fg}connecting…{/yellow-fg}';
    case 'connected':
      return `{green-fg}connected{/} ${l.rttMs} ms`;
    case 'reference':
      return '{green-fg}reference server{/} (no keepalive echo)';
    case 'no_reply':
      return l.wasConnected ? `{red-fg}no reply for ${Math.round((Date.now() - l.sinceMs) / 1000)} s{/}` : '{yellow-fg}no reply{/}';
    case 'unreachable':
      return `{red-fg}unreachable{/red-fg} ${escape(l.error)}`;
  }
}

/** Any text shown in a tagged blessed widget: inert, and tags in it are not interpreted. */
export function escape(s: string): string {
  return inertTagged(cellSafe(s));
}

/** Continuation lines of an entry start under the text, past the time column. */
const INDENT = 9;
/** An entry longer than this many lines is cut in the history; Enter shows it whole. */
export const MAX_ENTRY_LINES = 6;

export interface EntryLines {
  /** Tagged lines, each at most `width` cells. */
  lines: string[];
  /** The entry was cut (Enter opens it whole). */
  cut: boolean;
}

/**
 * One history entry laid out for a panel `width` cells wide: the time, a coloured
 * direction and callsign, the text wrapped under itself; remote text is inert. With
 * `selected`, every line is padded and reversed so the selection covers the entry.
 */
export function entryLines(e: HistoryEntry, width: number, selected = false, maxLines = MAX_ENTRY_LINES): EntryLines {
  const w = Math.max(INDENT + 4, width);
  const arrow = e.direction === 'in' ? '◀' : '▶';
  const colour = e.direction === 'in' ? 'cyan' : 'magenta';
  const call = cellSafe(inert(e.callsign));
  const head = `${clock(e.at)} ${arrow} ${call}`;
  let plain: string;
  if (e.type === 'chat') plain = `${head}: ${cellSafe(inert(e.text))}${entryNote(e)}`;
  else {
    const lost = e.framesLost ? `  ${e.framesLost} lost` : '';
    plain = `${head} ♪ ${(e.durationMs / 1000).toFixed(1)} s${lost}${e.open ? '  on air' : ''}${entryNote(e)}  #${e.id}`;
  }
  const first = wrapCells(plain, w)[0] ?? '';
  const rest = plain.slice(first.length).replace(/^ /, '');
  let lines = [first, ...(rest ? wrapCells(rest, w - INDENT).map((l) => ' '.repeat(INDENT) + l) : [])];
  let cut = false;
  if (lines.length > maxLines) {
    cut = true;
    const more = '  … Enter: all';
    lines = lines.slice(0, maxLines);
    lines[maxLines - 1] = truncateCells(lines[maxLines - 1]!, w - layoutWidth(more)) + more;
  }
  const tagged = lines.map((line, i) => {
    let t: string;
    if (i === 0 && line.startsWith(head)) {
      const after = line.slice(head.length);
      t = `${clock(e.at)} {${colour}-fg}${arrow} ${escapeTags(call)}{/${colour}-fg}${colourTail(e, escapeTags(after))}`;
    } else t = colourTail(e, escapeTags(line));
    return selected ? `{inverse}${t}${' '.repeat(Math.max(0, w - layoutWidth(line)))}{/inverse}` : t;
  });
  return { lines: tagged, cut };
}

/** Transmission details that deserve colour: frames lost, still on the air. */
function colourTail(e: HistoryEntry, s: string): string {
  if (e.type !== 'transmission') return s;
  return s.replace(/(\d+ lost)/, '{yellow-fg}$1{/yellow-fg}').replace(/ on air/, ' {red-fg}on air{/red-fg}');
}

/** Braces only: the text is already inert. */
function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** A callsign in a column of fixed width, by cells. */
export function column(s: string, width: number): string {
  return padCells(s, width);
}
