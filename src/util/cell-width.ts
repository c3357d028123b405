import { eastAsianWidth } from 'get-east-asian-width';

/**
 * Terminal cell widths. Terminals advance the cursor per code point by its East Asian
 * Width (wcwidth): measured in tmux 3.3a, 📡 ✅ 日 take two cells, 🎙 ❤ and each
 * regional indicator one (a flag is two), joiners and variation selectors none. Grapheme-
 * level measures (string-width's emoji rule) say 2 for 🎙 and ❤, which shifts every
 * border after them in tmux, screen and xterm; so layout uses the per-code-point width
 * from the same East Asian Width data string-width is built on.
 */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const cache = new Map<number, number>();

export function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x7f) return 1;
  let w = cache.get(cp);
  if (w === undefined) {
    w = ZERO_WIDTH.test(String.fromCodePoint(cp)) ? 0 : eastAsianWidth(cp);
    if (cache.size < 65536) cache.set(cp, w);
  }
  return w;
}

/**
 * Text as a full-screen UI draws it: without the emoji joiner (U+200D) and the
 * variation selectors (U+FE0E/U+FE0F). Terminals disagree about sequences built from
 * them (tmux 3.3 draws 🏳️ two cells wide, blessed one; a ZWJ family is one glyph in
 * some terminals, three in others), and every disagreement shifts the rest of the row
 * or wraps a stray line. Without them each code point has the one width both sides
 * agree on; the parts of a sequence are shown side by side. Stored text is unchanged.
 */
export function cellSafe(s: string): string {
  return s.replace(/\u200d|\ufe0e|\ufe0f/g, '');
}

export function cellWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += codePointWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * What one code point costs when a line is fitted for blessed: its cells, but at
 * least one. blessed counts a zero-width character (a combining accent, the emoji
 * variation selector U+FE0F) as a column when it decides where a line ends, and cuts
 * the line early, losing what follows; fitting lines by this measure never lets it.
 */
function layoutUnits(cp: number): number {
  return cp < 0x20 ? 0 : Math.max(1, codePointWidth(cp));
}

export function layoutWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += layoutUnits(ch.codePointAt(0)!);
  return w;
}

/** `s` cut to at most `width` columns (a wide character that would straddle the edge is dropped). */
export function truncateCells(s: string, width: number, ellipsis = ''): string {
  if (layoutWidth(s) <= width) return s;
  const room = width - layoutWidth(ellipsis);
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = layoutUnits(ch.codePointAt(0)!);
    if (w + cw > room) break;
    out += ch;
    w += cw;
  }
  return out + ellipsis;
}

/** `s` padded with spaces to `width` cells (cut first if longer). */
export function padCells(s: string, width: number): string {
  const t = truncateCells(s, width);
  return t + ' '.repeat(Math.max(0, width - layoutWidth(t)));
}

/**
 * `s` broken into lines of at most `width` columns (by layoutWidth), at spaces where there is one in the
 * last third of the line, else anywhere; a zero-width character stays with the one
 * before it. Plain text only (no tags).
 */
export function wrapCells(s: string, width: number): string[] {
  const w = Math.max(2, width);
  const out: string[] = [];
  let line = '';
  let lineW = 0;
  let lastSpace = -1;
  for (const ch of s) {
    const cw = layoutUnits(ch.codePointAt(0)!);
    if (lineW + cw > w) {
      if (lastSpace > 0 && lastSpace >= line.length * (2 / 3)) {
        out.push(line.slice(0, lastSpace));
        line = line.slice(lastSpace + 1);
      } else {
        out.push(line);
        line = '';
      }
      lineW = layoutWidth(line);
      lastSpace = -1;
    }
    if (ch === ' ') lastSpace = line.length;
    line += ch;
    lineW += cw;
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

interface BlessedUnicode {
  charWidth: (str: string | number, i?: number) => number;
  chars: { all: RegExp };
  combining: Record<number, boolean>;
}

/**
 * Teaches blessed the same widths (its tables predate most emoji: it draws 📡 and ✅
 * as one cell, so the terminal shifts the rest of the row). Two things change: the
 * width of a code point, and the set of wide characters after which blessed reserves
 * the second cell.
 */
export function patchBlessedWidths(unicode: BlessedUnicode): void {
  const flagged = unicode as BlessedUnicode & { opvPatched?: boolean };
  if (flagged.opvPatched) return;
  flagged.opvPatched = true;
  const original = unicode.charWidth;
  unicode.charWidth = (str, i) => {
    const cp = typeof str === 'number' ? str : str.codePointAt(i ?? 0);
    if (cp === undefined) return original(str, i);
    if (cp === 0x09 || unicode.combining[cp]) return original(str, i);
    return codePointWidth(cp);
  };
  const ranges: string[] = [];
  const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
  let start = -1;
  for (let cp = 0x1100; cp <= 0x3ffff + 1; cp++) {
    const wide = cp <= 0x3ffff && (cp < 0xd800 || cp > 0xdfff) && codePointWidth(cp) === 2;
    if (wide && start < 0) start = cp;
    if (!wide && start >= 0) {
      ranges.push(start === cp - 1 ? hex(start) : `${hex(start)}-${hex(cp - 1)}`);
      start = -1;
    }
  }
  unicode.chars.all = new RegExp(`([${ranges.join('')}])`, 'gu');
}
