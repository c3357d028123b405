import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { footerText, type KeyContext } from '../keys.js';
import type { ConnectionState } from '../client.js';
import { inert } from '../../util/inert-text.js';
import { wrapText } from '../format.js';

const STATUS_MARK: Record<ConnectionState['status'], { mark: string; color: string }> = {
  connected: { mark: '● ', color: 'green' },
  connecting: { mark: '◌ ', color: 'yellow' },
  unreachable: { mark: '✖ ', color: 'red' },
  unauthorized: { mark: '✖ ', color: 'red' },
  failed: { mark: '✖ ', color: 'red' },
  closed: { mark: '✖ ', color: 'red' },
};

/** The connection line: state, message, and when the next attempt comes. */
export function formatConnection(s: ConnectionState): string {
  const retry = s.retryInMs !== null ? ` — retrying in ${(s.retryInMs / 1000).toFixed(1)} s` : '';
  return `${s.status.toUpperCase()}: ${s.message}${retry}`;
}

interface Segment {
  text: string;
  color: string;
}

/** Segments laid on lines of `width`, whole where they fit, wrapped where one is longer than a line. */
export function layOut(segments: readonly Segment[], width: number): Segment[][] {
  const lines: Segment[][] = [];
  let line: Segment[] = [];
  let used = 0;
  for (const seg of segments) {
    const len = [...seg.text].length;
    const sep = line.length > 0 ? 2 : 0;
    if (used + sep + len <= width) {
      line.push(sep ? { text: `  ${seg.text}`, color: seg.color } : seg);
      used += sep + len;
      continue;
    }
    if (line.length > 0) lines.push(line);
    line = [];
    used = 0;
    const parts = wrapText(seg.text, width);
    for (const p of parts.slice(0, -1)) lines.push([{ text: p, color: seg.color }]);
    const last = parts[parts.length - 1]!;
    line = [{ text: last, color: seg.color }];
    used = [...last].length;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/**
 * The lines at the bottom, nothing in them cut: the alert badge, the connection state
 * and the interlink (wrapped if long), the last action's result in full, and the keys
 * that work now (all of them, or the most important ones and "? help").
 */
export class StatusBar {
  readonly box: Widgets.BoxElement;
  private connection: ConnectionState = { status: 'connecting', message: 'starting', retryInMs: null };
  private result: { text: string; ok: boolean } | null = null;
  private link: { text: string; ok: boolean } | null = null;
  private alerts = 0;
  private context: KeyContext = 'main';

  constructor(
    parent: Widgets.Screen,
    /** The ban list and announce keys exist. */
    private readonly ext: boolean,
  ) {
    this.box = blessed.box({ parent, bottom: 0, left: 0, right: 0, height: 2, tags: true, wrap: false });
  }

  setConnection(s: ConnectionState): void {
    this.connection = s;
  }

  /** The interlink in a few words (null: the server runs alone). */
  setLink(link: { text: string; ok: boolean } | null): void {
    this.link = link;
  }

  /** How many alerts the server has raised and not cleared (a badge when any). */
  setAlerts(n: number): void {
    this.alerts = n;
  }

  setResult(text: string, ok: boolean): void {
    this.result = { text, ok };
  }

  /** Whose keys the footer shows: the main screen's or the open box's. */
  setContext(context: KeyContext): void {
    this.context = context;
  }

  /** The status lines for `width` columns, as plain text and with colour tags. */
  lines(width: number): { plain: string[]; tagged: string[] } {
    const c = this.connection;
    const st = STATUS_MARK[c.status];
    const top: Segment[] = [];
    if (this.alerts > 0) top.push({ text: `⚠ ${this.alerts} alert${this.alerts === 1 ? '' : 's'}`, color: 'red' });
    top.push({ text: `${st.mark}${inert(formatConnection(c))}`, color: st.color });
    if (this.link) top.push({ text: `link ${inert(this.link.text)}`, color: this.link.ok ? 'green' : 'red' });
    const rows = layOut(top, width);
    if (this.result) rows.push(...layOut([{ text: inert(this.result.text), color: this.result.ok ? 'green' : 'red' }], width));
    rows.push([{ text: footerText(width, this.context, this.ext), color: 'cyan' }]);
    return {
      plain: rows.map((r) => r.map((s) => s.text).join('')),
      tagged: rows.map((r) => r.map((s) => `{${s.color}-fg}${blessed.escape(s.text)}{/${s.color}-fg}`).join('')),
    };
  }

  /** Draws the lines for the current width; returns how many rows they take. */
  refresh(width: number): number {
    const { tagged } = this.lines(width);
    this.box.height = tagged.length;
    this.box.setContent(tagged.join('\n'));
    return tagged.length;
  }
}
