import { cellWidth } from '../../util/cell-width.js';

/** One part of the bottom line: a key hint or a state tag, with its width on screen. */
export interface HintPart {
  /** blessed-tagged text. */
  tagged: string;
  /** Display cells of the text without its tags. */
  cells: number;
  /** Lower is dropped first when the line is too narrow; state tags are never dropped. */
  keep: number;
}

export function keyHint(key: string, what: string, keep: number): HintPart {
  return { tagged: `{bold}${key}{/bold} ${what}`, cells: cellWidth(`${key} ${what}`), keep };
}

export function stateTag(tagged: string, plain: string): HintPart {
  return { tagged, cells: cellWidth(plain), keep: Number.POSITIVE_INFINITY };
}

/**
 * The parts joined by two spaces, after dropping the least needed key hints until the
 * line fits `width` cells: what the station is doing (buffered chat, speech) must show
 * at 80 columns, a reminder that Enter sends need not.
 */
export function fitHints(parts: HintPart[], width: number): string {
  const shown = [...parts];
  const total = (): number => 1 + shown.reduce((n, p) => n + p.cells, 0) + 2 * Math.max(0, shown.length - 1);
  while (total() > width) {
    let drop = -1;
    for (let i = 0; i < shown.length; i++) if (Number.isFinite(shown[i]!.keep) && (drop < 0 || shown[i]!.keep < shown[drop]!.keep)) drop = i;
    if (drop < 0) break;
    shown.splice(drop, 1);
  }
  return ' ' + shown.map((p) => p.tagged).join('  ');
}
