/**
 * Where each panel sits on the 12×12 grid. Wide terminals (a sysop's big window) get
 * the table and the figures side by side; narrow ones (80 columns over SSH) give the
 * table the full width, so no column is cut, and stack the rest below.
 */

export type PanelName = 'table' | 'figures' | 'traffic' | 'errors' | 'log';
/** [row, col, rowSpan, colSpan] on a 12×12 grid. */
export type Cell = [row: number, col: number, rowSpan: number, colSpan: number];

export const GRID = 12;
/** Below this many columns the narrow layout is used. */
export const NARROW_BELOW = 140;

const WIDE: Record<PanelName, Cell> = {
  table: [0, 0, 6, 8],
  figures: [0, 8, 6, 4],
  traffic: [6, 0, 3, 6],
  errors: [6, 6, 3, 6],
  log: [9, 0, 3, 12],
};

// The figures get the full width (two columns of them) so every one shows at 80×24.
const NARROW: Record<PanelName, Cell> = {
  table: [0, 0, 5, 12],
  figures: [5, 0, 4, 12],
  traffic: [9, 0, 3, 3],
  errors: [9, 3, 3, 3],
  log: [9, 6, 3, 6],
};

export function layoutFor(columns: number): { name: 'wide' | 'narrow'; cells: Record<PanelName, Cell> } {
  return columns < NARROW_BELOW ? { name: 'narrow', cells: NARROW } : { name: 'wide', cells: WIDE };
}

/** The grid cell as blessed position strings (percentages of the parent, as contrib's grid sets them). */
export function cellPosition([row, col, rowSpan, colSpan]: Cell): { top: string; left: string; width: string; height: string } {
  const unit = 100 / GRID;
  return { top: `${row * unit}%`, left: `${col * unit}%`, width: `${colSpan * unit}%`, height: `${rowSpan * unit}%` };
}
