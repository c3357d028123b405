import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ExtAdminSender } from '../ext-client.js';


function since(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `since ${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 5)}`;
}

/**
 * The sysop's ban list (u: open; u or Enter on a line: unban; Esc: close) and the
 * announcement box (a: type a line, Enter sends it to every opv station, Esc cancels).
 */
export class BansAndAnnounce {
  private readonly list: Widgets.ListElement;
  private readonly input: Widgets.TextboxElement;
  private calls: string[] = [];
  private busy = false;

  constructor(
    screen: Widgets.Screen,
    private readonly sender: ExtAdminSender,
    private readonly report: (text: string, ok: boolean) => void,
    private readonly render: () => void,
    /** Gives the focus back to the main panel. */
    private readonly restoreFocus: () => void,
  ) {
    this.list = blessed.list({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 50,
      height: 16,
      border: { type: 'line' },
      label: ' Bans — u/Enter unban, Esc close ',
      tags: true,
      hidden: true,
      keys: true,
      vi: false,
      style: { border: { fg: 'yellow' }, selected: { bg: 'blue', fg: 'white' }, bg: 'black' },
    });
    this.input = blessed.textbox({
      parent: screen,
      top: 'center',
      left: 'center',
      width: '70%',
      height: 3,
      border: { type: 'line' },
      label: ' Announce to every opv station — Enter send, Esc cancel ',
      hidden: true,
      style: { border: { fg: 'cyan' }, bg: 'black' },
    });
    this.list.key(['u', 'enter'], () => void this.unbanSelected());
    this.list.key(['escape'], () => this.closeList());
  }

  get open(): boolean {
    return !this.list.hidden || !this.input.hidden;
  }

  async showBans(): Promise<void> {
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
    this.list.show();
    this.list.setFront();
    this.list.focus();
    this.render();
  }

  private closeList(): void {
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
    await this.showBans();
  }

  askAnnouncement(): void {
    this.input.setValue('');
    this.input.show();
    this.input.setFront();
    this.render();
    this.input.readInput((_err, value) => {
      this.input.hide();
      this.restoreFocus();
      this.render();
      const text = typeof value === 'string' ? value.trim() : '';
      if (!text) {
        this.report('Announcement: cancelled', false);
        this.render();
        return;
      }
      this.report('Announcement: sending …', true);
      void this.sender.announce(text).then((r) => {
        this.report(r.ok ? `Announcement: ${r.message}` : `Announcement refused: ${r.message}`, r.ok);
        this.render();
      });
    });
  }
}
