import blessed from 'blessed';
import { cellSafe, layoutWidth as cellWidth, wrapCells } from '../../util/cell-width.js';
import { closeOverlay } from './overlay.js';

export interface Popup {
  setContent(tagged: string[]): void;
  close(): void;
}

const SCROLL_KEYS = new Set(['up', 'down', 'pageup', 'pagedown', 'space', 'home', 'end', 'k', 'j']);

function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Visible width of a tagged line. */
function plainWidth(s: string): number {
  return cellWidth(s.replace(/\{[^{}]*\}/g, (t) => (t === '{open}' || t === '{close}' ? '{' : '')));
}

/**
 * A box over the panels (help, a whole message, the status view). It takes the focus;
 * the key that closes it is consumed, never typed anywhere. When the text is taller
 * than the screen, arrows and PgUp/PgDn scroll it and other keys close it; otherwise
 * any key (Esc included) closes it. `onClose` runs once the box is gone (tui/overlay.ts).
 */
export function showPopup(
  screen: blessed.Widgets.Screen,
  opts: { label: string; lines: string[]; onClose: () => void; footer?: string; wrap?: boolean },
): Popup {
  // Plain lines (wrap) are drawn as the panels draw text (see cellSafe).
  let lines = opts.wrap ? opts.lines.map(cellSafe) : opts.lines;
  const sw = screen.width as number;
  const sh = screen.height as number;
  const footer = opts.footer ?? 'any key closes';
  const widest = opts.wrap ? Math.max(...lines.map(cellWidth)) : Math.max(...lines.map(plainWidth));
  const width = Math.min(sw, Math.max(plainWidth(opts.label) + 4, cellWidth(footer) + 6, widest) + 4);
  const tall = opts.wrap ? lines.reduce((n, l) => n + wrapCells(l, Math.max(1, width - 4)).length, 0) : lines.length;
  const height = Math.min(sh, tall + 2);
  const box = blessed.box({
    parent: screen,
    label: opts.label,
    top: 'center',
    left: 'center',
    width,
    height,
    border: 'line',
    tags: true,
    // blessed wraps only what its own count finds too long; with wrap off it would cut
    // lines by UTF-16 units and lose the end of any line with emoji in it.
    wrap: true,
    padding: { left: 1, right: 1 },
    style: { border: { fg: 'yellow' } },
  });
  const inner = (): number => Math.max(1, width - 4);
  let top = 0;
  let wrapped: string[] = [];
  const layout = (): void => {
    // With `wrap`, lines are plain text, wrapped here and then made tag-safe.
    wrapped = opts.wrap ? lines.flatMap((l) => wrapCells(l, inner()).map(escapeTags)) : lines;
    const view = height - 2;
    top = Math.max(0, Math.min(top, wrapped.length - view));
    const scrollable = wrapped.length > view;
    box.setContent(wrapped.slice(top, top + view).join('\n'));
    box.setLabel(scrollable ? `${opts.label}— ${top + view}/${wrapped.length} ↑↓ PgUp PgDn, other keys close ` : opts.label);
  };
  layout();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    closeOverlay(screen, box, opts.onClose);
  };
  box.on('keypress', (_ch: unknown, key: { name?: string; full?: string }) => {
    const name = key.full ?? key.name ?? '';
    // blessed reports Enter twice, as "enter" and then "return": the Enter that opened
    // this box must not also close it.
    if (name === 'return') return;
    const view = height - 2;
    if (wrapped.length > view && SCROLL_KEYS.has(name)) {
      const step = name === 'pageup' || name === 'pagedown' || name === 'space' ? view - 1 : 1;
      if (name === 'home') top = 0;
      else if (name === 'end') top = wrapped.length;
      else top += name === 'up' || name === 'k' || name === 'pageup' ? -step : step;
      layout();
      screen.render();
      return;
    }
    close();
  });
  box.focus();
  screen.render();
  return {
    setContent: (l) => {
      if (closed) return;
      lines = opts.wrap ? l.map(cellSafe) : l;
      layout();
      screen.render();
    },
    close,
  };
}
