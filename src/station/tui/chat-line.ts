import blessed from 'blessed';
import { inert } from '../../util/inert-text.js';
import { cellSafe, layoutWidth } from '../../util/cell-width.js';
import { BORDER, FOCUS_BORDER } from './theme.js';

/** The longest line the editor holds (a chat message's own bound is the protocol's). */
const MAX_CHARS = 8000;
/** Sent lines kept for Up/Down. */
const RECALL_MAX = 100;

export interface ChatLine {
  box: blessed.Widgets.BoxElement;
  value(): string;
  clear(): void;
  setLabel(label: string): void;
  render(): void;
  /** Text at the cursor, as if typed (a key typed elsewhere, a pasted line). */
  insert(text: string): void;
}

interface Key {
  name?: string;
  full?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

/**
 * The chat line: a one-line editor with the keys of a shell prompt — Left/Right,
 * Home/End and Ctrl+A/E, Backspace/Delete, Ctrl+U (to the start), Ctrl+K (to the end),
 * Ctrl+W (a word back), Up/Down through what was sent. It reads keys only while it
 * has the focus and never grabs the keyboard, so help, Tab and PTT always work.
 * The cursor is drawn (reverse video), not the terminal's, so it stays visible.
 */
export function createChatLine(
  screen: blessed.Widgets.Screen,
  opts: { bottom: number; ignore: (k: Key) => boolean; onSubmit: (text: string) => void },
): ChatLine {
  const box = blessed.box({
    parent: screen,
    label: ' Chat ',
    left: 0,
    right: 0,
    bottom: opts.bottom,
    height: 3,
    border: 'line',
    tags: true,
    // blessed wraps only what its own count finds too long; with wrap off it would cut
    // lines by UTF-16 units and lose the end of any line with emoji in it.
    wrap: true,
    style: { border: { fg: BORDER }, focus: { border: { fg: FOCUS_BORDER } } },
  });
  // Code points, so the cursor never splits a surrogate pair.
  let chars: string[] = [];
  let cursor = 0;
  const sent: string[] = [];
  let recall = -1;
  let draft: string[] = [];

  const render = (): void => {
    const width = Math.max(4, (box.width as number) - 2);
    // Horizontal scroll: the cursor stays inside the box. Linear in what is shown, so
    // a long pasted line does not make every key cost the square of its length.
    const cw = (i: number): number => layoutWidth(chars[i]!);
    let start = cursor;
    let used = 1;
    while (start > 0 && used + cw(start - 1) <= width - 1) used += cw(--start);
    let end = cursor + 1;
    while (end < chars.length && used + cw(end) <= width) used += cw(end++);
    const esc = (s: string): string => cellSafe(inert(s)).replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
    const before = esc(chars.slice(start, cursor).join(''));
    const at = cursor < chars.length ? esc(chars[cursor]!) : ' ';
    const after = esc(chars.slice(cursor + 1, Math.max(cursor + 1, end)).join(''));
    box.setContent(screen.focused === box ? `${before}{inverse}${at}{/inverse}${after}` : `${before}${cursor < chars.length ? at : ''}${after}`);
  };

  // A paste arrives as one keypress per character: draw once after the lot.
  let pending = false;
  const renderSoon = (): void => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      render();
      screen.render();
    });
  };

  const set = (next: string[], at = next.length): void => {
    chars = next;
    cursor = Math.max(0, Math.min(at, chars.length));
  };

  box.on('keypress', (ch: string | undefined, key: Key) => {
    if (opts.ignore(key)) return;
    const name = key.full ?? key.name ?? '';
    switch (name) {
      // blessed reports Enter as "enter" and again as "return": act on one.
      case 'enter': {
        const text = chars.join('');
        if (text.trim()) {
          sent.push(text);
          if (sent.length > RECALL_MAX) sent.shift();
          opts.onSubmit(text);
        }
        set([]);
        recall = -1;
        break;
      }
      case 'left':
      case 'C-b':
        cursor = Math.max(0, cursor - 1);
        break;
      case 'right':
      case 'C-f':
        cursor = Math.min(chars.length, cursor + 1);
        break;
      case 'home':
      case 'C-a':
        cursor = 0;
        break;
      case 'end':
      case 'C-e':
        cursor = chars.length;
        break;
      case 'backspace':
      case 'C-h':
        if (cursor > 0) set([...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor - 1);
        break;
      case 'delete':
      case 'C-d':
        set([...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor);
        break;
      case 'C-u':
        set(chars.slice(cursor), 0);
        break;
      case 'C-k':
        set(chars.slice(0, cursor), cursor);
        break;
      case 'C-w': {
        let i = cursor;
        while (i > 0 && chars[i - 1] === ' ') i--;
        while (i > 0 && chars[i - 1] !== ' ') i--;
        set([...chars.slice(0, i), ...chars.slice(cursor)], i);
        break;
      }
      case 'up':
        if (sent.length === 0) break;
        if (recall < 0) {
          draft = chars;
          recall = sent.length;
        }
        recall = Math.max(0, recall - 1);
        set([...sent[recall]!]);
        break;
      case 'down':
        if (recall < 0) break;
        recall++;
        if (recall >= sent.length) {
          recall = -1;
          set(draft);
        } else set([...sent[recall]!]);
        break;
      case 'escape':
        break;
      default: {
        // Printable input only (pasted text arrives one character at a time).
        if (!ch || key.ctrl || key.meta || /[\u0000-\u001f\u007f]/.test(ch)) return;
        const add = [...ch];
        if (chars.length + add.length > MAX_CHARS) return;
        set([...chars.slice(0, cursor), ...add, ...chars.slice(cursor)], cursor + add.length);
      }
    }
    renderSoon();
  });
  box.on('focus', () => {
    render();
    screen.render();
  });
  box.on('blur', () => {
    render();
    screen.render();
  });
  render();
  return {
    box,
    value: () => chars.join(''),
    clear: () => {
      set([]);
      render();
    },
    setLabel: (label) => box.setLabel(label),
    render,
    insert: (text) => {
      // Printable only, as typed keys are; a paste keeps its tabs as spaces.
      const add = [...text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '')];
      if (add.length === 0 || chars.length + add.length > MAX_CHARS) return;
      set([...chars.slice(0, cursor), ...add, ...chars.slice(cursor)], cursor + add.length);
      renderSoon();
    },
  };
}

