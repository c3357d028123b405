import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ExtAdminSender } from '../client.js';
import { ANNOUNCE_MAX_CHARS } from '../../protocol/ext.js';
import { overlayOptions, raise, screenCells } from '../overlay.js';

/**
 * The announcement box (a: type a line, Enter sends it to every opv station, Esc
 * cancels). Text the server has not accepted (refused, failed, or closed with Esc) is
 * kept and offered again by the next `a`.
 */
export class AnnounceBox {
  private readonly input: Widgets.TextareaElement;
  private draft = '';

  constructor(
    screen: Widgets.Screen,
    private readonly sender: Pick<ExtAdminSender, 'announce'>,
    private readonly report: (text: string, ok: boolean) => void,
    private readonly render: () => void,
    /** Gives the focus back to the main panel. */
    private readonly restoreFocus: () => void,
  ) {
    this.input = blessed.textarea({ parent: screen, ...overlayOptions('Announce', 'cyan'), width: 40, height: 5 });
    this.bound();
  }

  get open(): boolean {
    return !this.input.hidden;
  }

  /**
   * The box takes no more than the server accepts (ANNOUNCE_MAX_CHARS, counted in
   * characters as the server counts them): a key past the limit is not taken, and
   * the label counts down. Enter sends, Ctrl+U clears; Esc closes (keeping the text).
   */
  private bound(): void {
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

  /** The label: characters used of the limit (and "full" at it). */
  private count(full = false): void {
    const n = [...this.input.getValue()].length;
    const at = full || n >= ANNOUNCE_MAX_CHARS;
    this.input.setLabel(` Announce ${n}/${ANNOUNCE_MAX_CHARS}${at ? ' (full)' : ''} `);
    this.render();
  }

  /** Sized for the longest announcement the server accepts, within the screen. */
  private place(): void {
    const { cols, rows } = screenCells(this.input.screen);
    const width = Math.max(20, Math.min(78, cols - 2));
    const inner = width - 2;
    // One row more than the text needs: the cursor sits after the last character.
    this.input.width = width;
    this.input.height = Math.min(Math.max(3, rows - 2), Math.ceil((ANNOUNCE_MAX_CHARS + 1) / inner) + 2);
  }

  ask(): void {
    this.place();
    this.input.setValue(this.draft);
    raise(this.input);
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
}
