import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ConnectionState } from '../client.js';
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

export const KEY_HELP = '↑↓ select  s sort  r reverse  k kick  b ban  u bans/unban  a announce  q quit';

/** Two lines at the bottom: connection state, then sort order, keys and the last action's result. */
export class StatusBar {
  readonly box: Widgets.BoxElement;
  private connection: ConnectionState = { status: 'connecting', message: 'starting', retryInMs: null };
  private sort = '';
  private result: { text: string; ok: boolean } | null = null;

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

  setResult(text: string, ok: boolean): void {
    this.result = { text, ok };
    this.refresh();
  }

  private refresh(): void {
    const c = this.connection;
    const first = `${STATUS_STYLE[c.status]}${blessed.escape(formatConnection(c))}{/}`;
    const r = this.result ? `   ${this.result.ok ? '{green-fg}' : '{red-fg}'}${blessed.escape(this.result.text)}{/}` : '';
    this.box.setContent(`${first}\n{cyan-fg}${this.sort}  |  ${KEY_HELP}{/cyan-fg}${r}`);
  }
}
