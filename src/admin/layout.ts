/**
 * Where each panel sits, in terminal cells, for a terminal of a given size. Pure, so
 * every breakpoint is unit-tested. The order of sacrifice: the graphs go first (they
 * only repeat the figures' rates), then the table and the events shrink to their
 * minimum; the server figures always get the rows they need.
 *
 *  wide (≥ WIDE_FROM columns)            stacked (narrower)
 *  ┌ Stations ──────────┐┌ Server ┐      ┌ Stations ─────────────┐
 *  └────────────────────┘└────────┘      ┌ Server (two columns) ─┐
 *  ┌ Traffic ─┐┌ Errors ──────────┐      ┌ Traffic ─┐┌ Errors ───┐  (if rows allow)
 *  ┌ Events ──────────────────────┐      ┌ Events ───────────────┐
 */

export type PanelName = 'table' | 'figures' | 'traffic' | 'errors' | 'log';

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface LayoutInput {
  /** The area the panels share (the terminal less the status lines). */
  cols: number;
  rows: number;
  /** Rows (borders included) the figures panel needs at a given width. */
  figureRows: (width: number) => number;
}

export interface Layout {
  name: 'wide' | 'stacked';
  table: Rect;
  figures: Rect;
  /** null: dropped for want of room. */
  traffic: Rect | null;
  errors: Rect | null;
  log: Rect;
}

/** From this many columns the table and the figures sit side by side. */
export const WIDE_FROM = 140;
/** The figures panel's width in the wide layout (one column of figures, rooms included). */
export const WIDE_FIGURES_WIDTH = 62;
/** A table with its border, header and at least two stations. */
export const TABLE_MIN_ROWS = 5;
/** The events with their border and at least two lines. */
export const LOG_MIN_ROWS = 4;
/**
 * A graph with a real plot area: contrib's line chart keeps about 5 rows for the
 * border, the x labels and the axis, so 9 rows leave 4 of curves.
 */
export const GRAPH_MIN_ROWS = 9;
export const GRAPH_MAX_ROWS = 14;
/** A graph narrower than this has no room for its y labels, 30 columns of curve and its legend. */
export const GRAPH_MIN_COLS = 40;

export function planLayout({ cols, rows, figureRows }: LayoutInput): Layout {
  return cols >= WIDE_FROM ? wide(cols, rows, figureRows) : stacked(cols, rows, figureRows);
}

function stacked(cols: number, rows: number, figureRows: (w: number) => number): Layout {
  // The figures first: as many rows as they need, leaving the table and the log their minimum.
  const figH = clamp(figureRows(cols), 3, Math.max(3, rows - TABLE_MIN_ROWS - LOG_MIN_ROWS));
  let spare = rows - figH - TABLE_MIN_ROWS - LOG_MIN_ROWS;
  const graphW = Math.floor(cols / 2);
  let graphH = 0;
  if (graphW >= GRAPH_MIN_COLS && spare >= GRAPH_MIN_ROWS) {
    // Graphs take a third of what is left over the minimums, within their bounds.
    graphH = clamp(Math.floor((spare + TABLE_MIN_ROWS) / 3), GRAPH_MIN_ROWS, Math.min(GRAPH_MAX_ROWS, spare));
    spare -= graphH;
  }
  spare = Math.max(0, spare);
  const tableH = TABLE_MIN_ROWS + Math.ceil((spare * 2) / 3);
  const logH = Math.max(1, rows - tableH - figH - graphH);
  const figTop = tableH;
  const graphTop = figTop + figH;
  return {
    name: 'stacked',
    table: { top: 0, left: 0, width: cols, height: tableH },
    figures: { top: figTop, left: 0, width: cols, height: figH },
    traffic: graphH > 0 ? { top: graphTop, left: 0, width: graphW, height: graphH } : null,
    errors: graphH > 0 ? { top: graphTop, left: graphW, width: cols - graphW, height: graphH } : null,
    log: { top: graphTop + graphH, left: 0, width: cols, height: logH },
  };
}

function wide(cols: number, rows: number, figureRows: (w: number) => number): Layout {
  const figW = Math.max(WIDE_FIGURES_WIDTH, Math.floor(cols / 3));
  const need = Math.max(TABLE_MIN_ROWS, figureRows(figW));
  // The top band holds the table and the figures; it is at least what the figures need.
  const topH = clamp(Math.max(need, Math.floor(rows * 0.45)), TABLE_MIN_ROWS, Math.max(TABLE_MIN_ROWS, rows - LOG_MIN_ROWS));
  let spare = rows - topH - LOG_MIN_ROWS;
  let graphH = 0;
  if (spare >= GRAPH_MIN_ROWS) {
    graphH = clamp(Math.floor(spare / 2), GRAPH_MIN_ROWS, GRAPH_MAX_ROWS);
    spare -= graphH;
  }
  const graphW = Math.floor(cols / 2);
  const logH = Math.max(1, rows - topH - graphH);
  return {
    name: 'wide',
    table: { top: 0, left: 0, width: cols - figW, height: topH },
    figures: { top: 0, left: cols - figW, width: figW, height: topH },
    traffic: graphH > 0 ? { top: topH, left: 0, width: graphW, height: graphH } : null,
    errors: graphH > 0 ? { top: topH, left: graphW, width: cols - graphW, height: graphH } : null,
    log: { top: topH + graphH, left: 0, width: cols, height: logH },
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
