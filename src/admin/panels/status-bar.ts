import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { KEY_HELP } from '../keys.js';
import type { ConnectionState } from '../client.js';
import { inert } from '../../util/inert-text.js';
import type { SortKey } from '../model.js';

const STATUS_STYLE: Record<ConnectionState['status'], string> = {
  connected: '{green-fg}● ',
  connecting: '{yellow-fg}◌ ',
  unreachable: '{red-fg}✖ ',
  unauthorized: '{red-fg}✖ ',
  failed: '{red-fg}✖ ',
  closed: '{red-fg}✖ ',
};

/** The connection line: state, message, and when the next attempt comes. */
export function formatConnection(s: ConnectionState): string {
  const retry = s.retryInMs !== null ? ` — retrying in ${(s.retryInMs / 1000).toFixed(1)} s` : '';
  return `${s.status.toUpperCase()}: ${s.message}${retry}`;
}

/** Two lines at the bottom: connection state, then sort order, keys and the last action's result. */
export class StatusBar {
  readonly box: Widgets.BoxElement;
  private connection: ConnectionState = { status: 'connecting', message: 'starting', retryInMs: null };
  private sort = '';
  private result: { text: string; ok: boolean } | null = null;
  private link: { text: string; ok: boolean } | null = null;
  private room: string | null = null;

  constructor(parent: Widgets.Screen) {
    this.box = blessed.box({ parent, bottom: 0, left: 0, right: 0, height: 2, tags: true });
  }

  setConnection(s: ConnectionState): void {
    this.connection = s;
    this.refresh();
  }

  setSort(key: SortKey, descending: boolean): void {
    this.sort = `sort: ${key} ${descending ? '▼' : '▲'}`;
    this.refresh();
  }

  /** The interlink in a few words (null: the server runs alone). */
  setLink(link: { text: string; ok: boolean } | null): void {
    if (link?.text === this.link?.text && link?.ok === this.link?.ok) return;
    this.link = link;
    this.refresh();
  }

  /** The room the table and the log are filtered to (null: all). */
  setRoom(room: string | null): void {
    this.room = room;
    this.refresh();
  }

  setResult(text: string, ok: boolean): void {
    this.result = { text, ok };
    this.refresh();
  }

  private refresh(): void {
    const c = this.connection;
    // One line: the interlink gets what the connection leaves of the width, or nothing
    // (a wrapped line would push the keys off the bottom).
    const width = Number(this.box.width);
    const conn = inert(formatConnection(c));
    const room = Number.isFinite(width) && width > 0 ? width - 1 - 2 - conn.length - 7 : Infinity;
    const linkText = this.link ? inert(this.link.text) : '';
    const shown = linkText.length <= room ? linkText : room >= 12 ? `${linkText.slice(0, room - 1)}…` : '';
    const link = this.link && shown ? `  {${this.link.ok ? 'green' : 'red'}-fg}link ${blessed.escape(shown)}{/}` : '';
    const first = `${STATUS_STYLE[c.status]}${blessed.escape(conn)}{/}${link}`;
    const r = this.result ? `   ${this.result.ok ? '{green-fg}' : '{red-fg}'}${blessed.escape(inert(this.result.text))}{/}` : '';
    const filter = this.room === null ? '' : `room: ${blessed.escape(this.room)}  `;
    this.box.setContent(`${first}\n{cyan-fg}${filter}${this.sort}  |  ${KEY_HELP}{/cyan-fg}${r}`);
  }
}
