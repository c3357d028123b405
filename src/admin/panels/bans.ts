import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ExtAdminSender } from '../client.js';
import { ANNOUNCE_MAX_CHARS } from '../../protocol/ext.js';


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
  private readonly input: Widgets.TextareaElement;
  private calls: string[] = [];
  private busy = false;
  /** An announcement not yet accepted by the server (refused, failed, or closed with Esc): offered again by `a`. */
  private draft = '';

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
      label: ' Bans ',
      tags: true,
      hidden: true,
      keys: true,
      vi: false,
      style: { border: { fg: 'yellow' }, selected: { bg: 'blue', fg: 'white' }, bg: 'black' },
    });
    this.input = blessed.textarea({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 40,
      height: 5,
      border: { type: 'line' },
      label: ' Announce ',
      hidden: true,
      style: { border: { fg: 'cyan' } },
    });
    this.boundInput();
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

  /**
   * The box takes no more than the server accepts (ANNOUNCE_MAX_CHARS, counted in
   * characters as the server counts them): a key past the limit is not taken, and
   * the label counts down. Enter sends, Ctrl+U clears; Esc closes (keeping the text).
   */
  private boundInput(): void {
    const box = this.input as unknown as { _listener: (ch: string | undefined, key: { name?: string; full?: string }) => void; _done: (err: unknown, value: string | null) => void };
    const typed = box._listener.bind(this.input);
    box._listener = (ch, key) => {
      if (key.name === 'enter') {
        box._done(null, this.input.getValue());
        return;
      }
      if (key.full === 'C-u') {
        this.input.setValue('');
        this.count();
        return;
      }
      const printable = ch !== undefined && ch !== '' && !/^[\x00-\x1f\x7f]$/.test(ch) && key.name !== 'escape' && key.name !== 'backspace';
      if (printable && [...this.input.getValue()].length + [...ch].length > ANNOUNCE_MAX_CHARS) {
        this.count(true);
        return;
      }
      typed(ch, key);
      this.count();
    };
  }

  /** The label: characters left (red at the limit). */
  private count(full = false): void {
    const n = [...this.input.getValue()].length;
    const at = full || n >= ANNOUNCE_MAX_CHARS;
    this.input.setLabel(` Announce ${n}/${ANNOUNCE_MAX_CHARS}${at ? ' (full)' : ''} `);
    this.render();
  }

  /** Sized for the longest announcement the server accepts, within the screen. */
  private place(): void {
    const cols = Number(this.input.screen.width);
    const rows = Number(this.input.screen.height);
    const width = Math.max(20, Math.min(78, (Number.isFinite(cols) ? cols : 80) - 2));
    const inner = width - 2;
    // One row more than the text needs: the cursor sits after the last character.
    const height = Math.min(Math.max(3, (Number.isFinite(rows) ? rows : 24) - 2), Math.ceil((ANNOUNCE_MAX_CHARS + 1) / inner) + 2);
    this.input.width = width;
    this.input.height = height;
  }

  askAnnouncement(): void {
    this.place();
    this.input.setValue(this.draft);
    this.input.show();
    this.input.setFront();
    this.count();
    this.input.readInput((_err, value) => {
      const text = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
      // Esc: nothing sent, nothing lost.
      if (value === null || value === undefined) this.draft = this.input.getValue();
      this.input.hide();
      this.restoreFocus();
      this.render();
      if (!text) {
        this.report(this.draft.trim() ? 'Announcement: not sent (the text is kept: a to edit it)' : 'Announcement: cancelled', false);
        this.render();
        return;
      }
      this.draft = text;
      this.report('Announcement: sending …', true);
      void this.sender.announce(text).then((r) => {
        if (r.ok) this.draft = '';
        this.report(r.ok ? `Announcement: ${r.message}` : `Announcement refused: ${r.message} (the text is kept: a to retry)`, r.ok);
        this.render();
      });
    });
  }

  /** Which box is open, for the footer's keys. */
  get context(): 'bans' | 'announce' | null {
    return !this.list.hidden ? 'bans' : !this.input.hidden ? 'announce' : null;
  }
}
