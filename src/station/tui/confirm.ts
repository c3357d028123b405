import blessed from 'blessed';
import { escape } from './format.js';
import { closeOverlay } from './overlay.js';

/**
 * A yes/no question over the panels. y or Enter answers yes; n or Esc no; other keys
 * are ignored (a stray keystroke must not send twelve lines). `onAnswer` runs after the
 * box is gone.
 */
export function confirmBox(screen: blessed.Widgets.Screen, opts: { label: string; text: string; keys: string; onAnswer: (yes: boolean) => void }): void {
  const width = Math.min(screen.width as number, Math.max(opts.text.length, opts.keys.length) + 6);
  const box = blessed.box({
    parent: screen,
    label: opts.label,
    top: 'center',
    left: 'center',
    width,
    height: 4,
    border: 'line',
    tags: true,
    wrap: true,
    padding: { left: 1, right: 1 },
    style: { border: { fg: 'yellow' } },
    content: `${escape(opts.text)}\n{cyan-fg}${escape(opts.keys)}{/cyan-fg}`,
  });
  let done = false;
  box.on('keypress', (ch: string | undefined, key: { name?: string }) => {
    if (done) return;
    const yes = ch === 'y' || ch === 'Y' || key.name === 'enter';
    const no = ch === 'n' || ch === 'N' || key.name === 'escape';
    if (!yes && !no) return;
    done = true;
    closeOverlay(screen, box, () => opts.onAnswer(yes));
  });
  box.focus();
  screen.render();
}
