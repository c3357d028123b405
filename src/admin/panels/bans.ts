import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ExtAdminSender } from '../client.js';
import { overlayOptions, raise } from '../overlay.js';

function since(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `since ${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 5)}`;
}

/** The sysop's ban list (u: open; u or Enter on a line: unban; Esc: close). */
export class BanList {
  private readonly list: Widgets.ListElement;
  private calls: string[] = [];
  private busy = false;

  constructor(
    screen: Widgets.Screen,
    private readonly sender: Pick<ExtAdminSender, 'bans' | 'unban'>,
    private readonly report: (text: string, ok: boolean) => void,
    private readonly render: () => void,
    /** Gives the focus back to the main panel. */
    private readonly restoreFocus: () => void,
  ) {
    const overlay = overlayOptions('Bans', 'yellow');
    this.list = blessed.list({ parent: screen, ...overlay, width: 50, height: 16, tags: true, keys: true, vi: false, style: { ...overlay.style, selected: { bg: 'blue', fg: 'white' } } });
    this.list.key(['u', 'enter'], () => void this.unbanSelected());
    this.list.key(['escape'], () => this.close());
  }

  get open(): boolean {
    return !this.list.hidden;
  }

  async show(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const r = await this.sender.bans();
    this.busy = false;
    if (!r.ok) {
      this.report(`Bans: ${r.message}`, false);
      this.render();
      return;
    }
    this.calls = r.bans.map((b) => b.callsign);
    this.list.setItems(r.bans.length ? r.bans.map((b) => `${b.callsign.padEnd(10)} ${since(b.since)}`) : ['(nobody is banned)']);
    raise(this.list);
    this.list.focus();
    this.render();
  }

  private close(): void {
    this.list.hide();
    this.restoreFocus();
    this.render();
  }

  private async unbanSelected(): Promise<void> {
    const i = (this.list as unknown as { selected: number }).selected;
    const call = this.calls[i];
    if (call === undefined || this.busy) return;
    this.busy = true;
    this.report(`Unban ${call}: sending …`, true);
    this.render();
    const r = await this.sender.unban(call);
    this.busy = false;
    this.report(r.ok ? `Unban ${call}: done — ${r.message}` : `Unban ${call} refused: ${r.message}`, r.ok);
    this.list.hide();
    await this.show();
  }
}
