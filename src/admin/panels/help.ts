import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { helpLines } from '../keys.js';

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
    this.box = blessed.box({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 40,
      height: 10,
      border: { type: 'line' },
      label: ' Keys ',
      tags: false,
      hidden: true,
      scrollable: true,
      keys: true,
      style: { border: { fg: 'cyan' } },
    });
  }

  get open(): boolean {
    return !this.box.hidden;
  }

  show(): void {
    const cols = Number(this.box.screen.width);
    const rows = Number(this.box.screen.height);
    const lines = helpLines(this.ext, rows, cols);
    const widest = Math.max(...lines.map((l) => [...l].length));
    this.box.width = Math.min(widest + 4, Number.isFinite(cols) ? cols : 80);
    this.box.height = Math.min(lines.length + 2, Number.isFinite(rows) ? rows : 24);
    this.box.setContent(lines.map((l) => ` ${l}`).join('\n'));
    this.box.scrollTo(0);
    this.box.show();
    this.box.setFront();
    this.box.focus();
  }

  hide(): void {
    this.box.hide();
  }
}
