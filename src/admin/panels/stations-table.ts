import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import { fit, fitRight, formatCompact, formatDuration, formatKbps, stateText } from '../format.js';
import type { SortKey, StationRow } from '../model.js';

/**
 * The station table: one line per registered station, TALKING in reverse red, the
 * selection kept on the same callsign while rows re-sort, scrolling for hundreds.
 */

interface Column {
  title: string;
  key: SortKey;
  width: number;
  right?: boolean;
  cell: (r: StationRow) => string;
}

/** "255.255.255.255:65535" fits; IPv6 endpoints take what the terminal has to spare. */
const ENDPOINT_MIN = 21;
const ENDPOINT_MAX = 47;

// Sized so the whole table fits the narrow layout of an 80-column terminal.
const COLUMNS: Column[] = [
  { title: 'CALLSIGN', key: 'callsign', width: 9, cell: (r) => r.callsign },
  { title: 'ENDPOINT', key: 'endpoint', width: ENDPOINT_MIN, cell: (r) => r.endpoint },
  { title: 'STATE', key: 'state', width: 7, cell: stateText },
  { title: 'FRAMES', key: 'frames', width: 7, right: true, cell: (r) => formatCompact(r.frames) },
  { title: 'KBIT/S', key: 'kbps', width: 6, right: true, cell: (r) => formatKbps(r.kbps) },
  { title: 'HEARD', key: 'last_heard', width: 10, right: true, cell: (r) => `${formatDuration(r.lastSeenS)} ago` },
  { title: 'TIMEOUT', key: 'timeout', width: 7, right: true, cell: (r) => formatDuration(r.timeoutInS) },
];

const FIXED = COLUMNS.reduce((n, c) => n + c.width + 1, 0) - ENDPOINT_MIN;

function widths(total: number): number[] {
  const endpoint = Math.max(ENDPOINT_MIN, Math.min(ENDPOINT_MAX, total - FIXED));
  return COLUMNS.map((c) => (c.key === 'endpoint' ? endpoint : c.width));
}

function cells(values: string[], w: number[]): string[] {
  return values.map((v, i) => (COLUMNS[i]!.right ? fitRight(v, w[i]!) : fit(v, w[i]!)));
}

/** The header line, the sort column marked with ▲/▼. */
export function formatHeader(total: number, sortKey: SortKey, descending: boolean): string {
  const w = widths(total);
  // The sort mark replaces the title's last letters where both do not fit: a
  // right-aligned column would otherwise lose the title's first letter.
  return cells(
    COLUMNS.map((c, i) => (c.key === sortKey ? `${c.title.slice(0, Math.max(1, w[i]! - 1))}${descending ? '▼' : '▲'}` : c.title)),
    w,
  ).join(' ');
}

/** One row as list text (blessed tags; TALKING highlighted). */
export function formatRow(r: StationRow, total: number): string {
  const w = widths(total);
  const parts = cells(COLUMNS.map((c) => c.cell(r)), w);
  const state = COLUMNS.findIndex((c) => c.key === 'state');
  if (r.talking) parts[state] = `{white-fg}{red-bg}{bold}${parts[state] ?? ''}{/bold}{/red-bg}{/white-fg}`;
  return parts.join(' ');
}

export class StationsTable {
  readonly box: Widgets.BoxElement;
  private readonly header: Widgets.BoxElement;
  readonly list: Widgets.ListElement;
  private rows: StationRow[] = [];
  private selectedCallsign: string | null = null;
  /** setItems moves the cursor through row 0: that is not the sysop's choice. */
  private updating = false;
  private sortKey: SortKey = 'callsign';
  private descending = false;

  constructor(grid: contrib.Grid, at: [row: number, col: number, rowSpan: number, colSpan: number]) {
    this.box = grid.set(...at, blessed.box, { label: ' Stations ', tags: true });
    this.header = blessed.box({ parent: this.box, top: 0, left: 0, right: 0, height: 1, tags: false, style: { bold: true, fg: 'cyan' } });
    this.list = blessed.list({
      parent: this.box,
      top: 1,
      left: 0,
      right: 0,
      bottom: 0,
      tags: true,
      // Arrow keys only: vi keys would make `k` (kick) move the selection first.
      keys: true,
      vi: false,
      mouse: true,
      scrollbar: { ch: ' ', style: { bg: 'cyan' } },
      style: { selected: { bg: 'blue', fg: 'white' }, item: { fg: 'white' } },
    });
    this.list.on('select item', () => {
      if (this.updating) return;
      const r = this.rows[this.selectedIndex()];
      if (r) this.selectedCallsign = r.callsign;
    });
    const page = (): number => Math.max(1, Number(this.list.height) - 1);
    this.list.key(['pageup'], () => this.moveTo(this.selectedIndex() - page()));
    this.list.key(['pagedown'], () => this.moveTo(this.selectedIndex() + page()));
    this.list.key(['home', 'g'], () => this.moveTo(0));
    this.list.key(['end', 'S-g'], () => this.moveTo(this.rows.length - 1));
  }

  private moveTo(index: number): void {
    if (this.rows.length === 0) return;
    this.list.select(Math.max(0, Math.min(this.rows.length - 1, index)));
    this.list.screen.render();
  }

  private selectedIndex(): number {
    return (this.list as unknown as { selected: number }).selected;
  }

  private innerWidth(): number {
    const w = Number(this.list.width);
    // Room for the scrollbar.
    return Number.isFinite(w) && w > 0 ? w - 1 : 80;
  }

  /** Replaces the rows (already sorted), keeping the selection on the same station. */
  setRows(rows: StationRow[], sortKey: SortKey, descending: boolean): void {
    this.rows = rows;
    this.sortKey = sortKey;
    this.descending = descending;
    const total = this.innerWidth();
    this.header.setContent(formatHeader(total, sortKey, descending));
    this.box.setLabel(` Stations (${rows.length}) `);
    this.updating = true;
    try {
      this.list.setItems(rows.map((r) => formatRow(r, total)));
      if (rows.length === 0) return;
      const idx = this.selectedCallsign === null ? -1 : rows.findIndex((r) => r.callsign === this.selectedCallsign);
      if (idx >= 0) this.list.select(idx);
      else this.selectedCallsign = rows[Math.min(Math.max(0, this.selectedIndex()), rows.length - 1)]?.callsign ?? null;
    } finally {
      this.updating = false;
    }
  }

  /** The callsign under the cursor, if any. */
  selected(): string | null {
    const r = this.rows[this.selectedIndex()];
    return r ? r.callsign : null;
  }

  focus(): void {
    this.list.focus();
  }

  get sort(): { key: SortKey; descending: boolean } {
    return { key: this.sortKey, descending: this.descending };
  }
}
