import type { Widgets } from 'blessed';

/**
 * What every pop-up of the console (the kick/ban question, the key help, the ban list,
 * the announcement box) shares: centred over the panels, bordered, hidden until asked,
 * on the terminal's own background (a black box vanishes into dark themes and paints
 * over light ones), and sized to its content within the screen.
 */
export function overlayOptions(label: string, borderFg: string): {
  top: 'center';
  left: 'center';
  border: { type: 'line' };
  label: string;
  hidden: true;
  style: { border: { fg: string } };
} {
  return { top: 'center', left: 'center', border: { type: 'line' }, label: ` ${label} `, hidden: true, style: { border: { fg: borderFg } } };
}

/** The screen in cells; 80×24 until blessed has measured the terminal. */
export function screenCells(screen: Widgets.Screen): { cols: number; rows: number } {
  const cols = Number(screen.width);
  const rows = Number(screen.height);
  return { cols: Number.isFinite(cols) && cols > 0 ? cols : 80, rows: Number.isFinite(rows) && rows > 0 ? rows : 24 };
}

/** Sizes `box` to `lines` (one row each, a column of padding either side) within the screen. */
export function fitToLines(box: Widgets.BoxElement, lines: readonly string[]): void {
  const { cols, rows } = screenCells(box.screen);
  const widest = Math.max(0, ...lines.map((l) => [...l].length));
  box.width = Math.min(widest + 4, cols);
  box.height = Math.min(lines.length + 2, rows);
}

/** Shows `box` above the panels. */
export function raise(box: Widgets.BlessedElement): void {
  box.show();
  box.setFront();
}
