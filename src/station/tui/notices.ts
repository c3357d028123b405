import blessed from 'blessed';
import { escape } from './format.js';
import { cellSafe, truncateCells, wrapCells } from '../../util/cell-width.js';

/** A notice longer than this many lines is cut (the diagnostic log has it whole). */
const MAX_ROWS = 3;

/** How long a notice stays, by how much it matters. */
const TTL_MS = { info: 10_000, ok: 10_000, warn: 30_000, error: 60_000 } as const;
export type NoticeKind = keyof typeof TTL_MS;
const COLOUR: Record<NoticeKind, string> = { info: 'cyan', ok: 'green', warn: 'yellow', error: 'red' };

/**
 * The notice line. A notice expires after a while (an export notice is not news a
 * minute later), and one that is about a station (`W1ABC left`) is cleared as soon as
 * that station is heard again: a notice is never shown after it stopped being true.
 */
export class NoticeLine {
  private timer: NodeJS.Timeout | null = null;
  private about: string | null = null;

  private rows = 1;

  constructor(
    private readonly box: blessed.Widgets.BoxElement,
    private readonly render: () => void,
    /** The notice needs this many rows (1 to MAX_ROWS): the layout above makes room. */
    private readonly relayout: (rows: number) => void = () => undefined,
  ) {}

  private resize(rows: number): void {
    if (rows === this.rows) return;
    this.rows = rows;
    this.box.height = rows;
    this.relayout(rows);
  }

  /** `text` is shown inert; `about` names the station the notice is about, if any. */
  show(text: string, kind: NoticeKind = 'info', about: string | null = null): void {
    // Wrapped by cells, not cut at the edge: a notice says what to do at its end.
    const width = Math.max(10, Number(this.box.width) || 78);
    let lines = wrapCells(cellSafe(text), width);
    if (lines.length > MAX_ROWS) lines = [...lines.slice(0, MAX_ROWS - 1), truncateCells(lines[MAX_ROWS - 1]!, width, '…')];
    this.resize(lines.length);
    this.box.setContent(lines.map((l) => `{${COLOUR[kind]}-fg}${escape(l)}{/${COLOUR[kind]}-fg}`).join('\n'));
    this.about = about;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), TTL_MS[kind]);
    this.timer.unref();
    this.render();
  }

  /** A station was heard: a notice about it (it left) is no longer true. */
  heard(callsign: string): void {
    if (this.about === callsign) this.clear();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.about = null;
    this.box.setContent('');
    this.resize(1);
    this.render();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
