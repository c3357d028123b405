import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { fit, fitRight, formatCompact, formatDuration, formatKbps, stateText } from '../format.js';
import type { SortKey, StationRow } from '../model.js';

/**
 * The station table: one line per registered station, TALKING in reverse red, the
 * selection kept on the same callsign while rows re-sort, scrolling for hundreds.
 */

interface Column {
  title: string;
  key: SortKey | 'room';
  width: number;
  right?: boolean;
  cell: (r: StationRow) => string;
}

/** "255.255.255.255:65535" fits; IPv6 endpoints take what the terminal has to spare. */
const ENDPOINT_MIN = 21;
const ENDPOINT_MAX = 47;
/**
 * With rooms the ROOM column takes its place from the endpoint, which then may be
 * cut at 80 columns (a station on another server shows "@server" there instead).
 */
const ENDPOINT_MIN_WITH_ROOM = 15;
const ROOM_WIDTH = 6;

// Sized so the whole table fits the narrow layout of an 80-column terminal.
const COLUMNS: Column[] = [
  { title: 'CALLSIGN', key: 'callsign', width: 9, cell: (r) => r.callsign },
  { title: 'ENDPOINT', key: 'endpoint', width: ENDPOINT_MIN, cell: (r) => r.endpoint },
  { title: 'ROOM', key: 'room', width: ROOM_WIDTH, cell: (r) => r.room ?? '' },
  { title: 'STATE', key: 'state', width: 7, cell: stateText },
  // A station on another server: its traffic is counted there.
  { title: 'FRAMES', key: 'frames', width: 7, right: true, cell: (r) => (r.server !== undefined ? '-' : formatCompact(r.frames)) },
  { title: 'KBIT/S', key: 'kbps', width: 6, right: true, cell: (r) => (r.server !== undefined ? '-' : formatKbps(r.kbps)) },
  { title: 'HEARD', key: 'last_heard', width: 10, right: true, cell: (r) => `${formatDuration(r.lastSeenS)} ago` },
  { title: 'TIMEOUT', key: 'timeout', width: 7, right: true, cell: (r) => formatDuration(r.timeoutInS) },
];

/** The columns shown: ROOM only where rooms matter (several, or an interlink). */
function columns(withRoom: boolean): Column[] {
  return withRoom ? COLUMNS : COLUMNS.filter((c) => c.key !== 'room');
}

function widths(total: number, cols: Column[]): number[] {
  const fixed = cols.reduce((n, c) => n + c.width + 1, 0) - ENDPOINT_MIN;
  const min = cols.length === COLUMNS.length ? ENDPOINT_MIN_WITH_ROOM : ENDPOINT_MIN;
  const endpoint = Math.max(min, Math.min(ENDPOINT_MAX, total - fixed));
  return cols.map((c) => (c.key === 'endpoint' ? endpoint : c.width));
}

function cells(cols: Column[], values: string[], w: number[]): string[] {
  return values.map((v, i) => (cols[i]!.right ? fitRight(v, w[i]!) : fit(v, w[i]!)));
}

/** The header line, the sort column marked with ▲/▼. */
export function formatHeader(total: number, sortKey: SortKey, descending: boolean, withRoom = false): string {
  const cols = columns(withRoom);
  const w = widths(total, cols);
  // The sort mark replaces the title's last letters where both do not fit: a
  // right-aligned column would otherwise lose the title's first letter.
  return cells(
    cols,
    cols.map((c, i) => (c.key === sortKey ? `${c.title.slice(0, Math.max(1, w[i]! - 1))}${descending ? '▼' : '▲'}` : c.title)),
    w,
  ).join(' ');
}

/** One row as list text (blessed tags; TALKING highlighted; a station on another server in cyan). */
export function formatRow(r: StationRow, total: number, withRoom = false): string {
  const cols = columns(withRoom);
  const w = widths(total, cols);
  const parts = cells(cols, cols.map((c) => c.cell(r)), w);
  const endpoint = cols.findIndex((c) => c.key === 'endpoint');
  if (r.server !== undefined) parts[endpoint] = `{cyan-fg}${parts[endpoint] ?? ''}{/cyan-fg}`;
  const state = cols.findIndex((c) => c.key === 'state');
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
  private withRoom = false;
  private title = '';

  constructor(parent: Widgets.Node) {
    this.box = blessed.box({ parent, label: ' Stations ', tags: true, border: { type: 'line' } });
    this.header = blessed.box({ parent: this.box, top: 0, left: 0, right: 0, height: 1, tags: false, style: { bold: true, fg: 'cyan' } });
    this.list = blessed.list({
      parent: this.box,
      top: 1,
      left: 0,
      right: 0,
      bottom: 0,
      tags: true,
      // The dashboard moves the selection (its key table binds the arrows and pages).
      keys: false,
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
  }

  /** Moves the selection by `by` rows ('page': a page; ±Infinity: to an end). */
  move(by: number | 'pageUp' | 'pageDown'): void {
    if (this.rows.length === 0) return;
    const page = Math.max(1, Number(this.list.height) - 1);
    const step = by === 'pageUp' ? -page : by === 'pageDown' ? page : by;
    const to = this.selectedIndex() + step;
    this.list.select(Number.isFinite(to) ? Math.max(0, Math.min(this.rows.length - 1, to)) : to > 0 ? this.rows.length - 1 : 0);
  }

  private selectedIndex(): number {
    return (this.list as unknown as { selected: number }).selected;
  }

  private innerWidth(): number {
    const w = Number(this.list.width);
    // Room for the scrollbar.
    return Number.isFinite(w) && w > 0 ? w - 1 : 80;
  }

  /**
   * Whether the ROOM column shows, and what the title adds after the count (the room
   * filter, the rooms line); applied with the next setRows.
   */
  setRoomView(withRoom: boolean, title: string): void {
    this.withRoom = withRoom;
    this.title = title;
  }

  /** Replaces the rows (already sorted), keeping the selection on the same station. */
  setRows(rows: StationRow[], sortKey: SortKey, descending: boolean): void {
    this.rows = rows;
    this.sortKey = sortKey;
    this.descending = descending;
    const total = this.innerWidth();
    this.header.setContent(formatHeader(total, sortKey, descending, this.withRoom));
    const label = ` Stations (${rows.length})${this.title ? ` ${this.title}` : ''} `;
    // The label stays on the top border: cut to the box's width.
    const max = Math.max(12, Number(this.box.width) - 4);
    this.box.setLabel(blessed.escape(label.length > max ? `${label.slice(0, max - 2)}… ` : label));
    this.updating = true;
    try {
      this.list.setItems(rows.map((r) => formatRow(r, total, this.withRoom)));
      if (rows.length === 0) return;
      const idx = this.selectedCallsign === null ? -1 : rows.findIndex((r) => r.callsign === this.selectedCallsign);
      if (idx >= 0) this.list.select(idx);
      else this.selectedCallsign = rows[Math.min(Math.max(0, this.selectedIndex()), rows.length - 1)]?.callsign ?? null;
    } finally {
      this.updating = false;
    }
  }

  /** The server of the station under the cursor when it is on another one. */
  selectedServer(): string | undefined {
    return this.rows[this.selectedIndex()]?.server;
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
