import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { helpLines } from '../keys.js';
import { fitToLines, overlayOptions, raise, screenCells } from '../overlay.js';

/**
 * The `?` / F1 overlay: every key of the key table, grouped by where it works. Sized to
 * its lines within the screen; scrolls (arrows) when the terminal is shorter.
 */
export class HelpOverlay {
  private readonly box: Widgets.BoxElement;
  constructor(
    screen: Widgets.Screen,
    private readonly ext: boolean,
  ) {
    this.box = blessed.box({ parent: screen, ...overlayOptions('Keys', 'cyan'), width: 40, height: 10, tags: false, scrollable: true, keys: true });
  }

  get open(): boolean {
    return !this.box.hidden;
  }

  show(): void {
    const { cols, rows } = screenCells(this.box.screen);
    const lines = helpLines(this.ext, rows, cols);
    fitToLines(this.box, lines);
    this.box.setContent(lines.map((l) => ` ${l}`).join('\n'));
    this.box.scrollTo(0);
    raise(this.box);
    this.box.focus();
  }

  hide(): void {
    this.box.hide();
  }
}
