import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import { describeRefusal } from '../server-ext.js';
import { escape } from './format.js';

/** An announcement stays up this long (or until the next one). */
const ANNOUNCE_SHOW_MS = 120_000;

/**
 * The server's own word, over the top of the history: a sysop announcement (blue) or
 * why the server refuses this station and what to do (red, until admitted). Never
 * mixed with chat, and only from the server (see ServerExtension).
 */
export function createSysopBar(screen: blessed.Widgets.Screen, engine: StationEngine, opts: { top: number; right: number }) {
  const box = blessed.box({ parent: screen, top: opts.top, left: 0, right: opts.right, height: 3, border: 'line', tags: true, hidden: true });
  let hideTimer: NodeJS.Timeout | null = null;
  const show = (text: string, colour: 'blue' | 'red', forMs: number | null): void => {
    box.style.bg = colour;
    box.style.border = { fg: colour === 'red' ? 'red' : 'cyan', bg: colour };
    box.setContent(`{bold}{white-fg}${text}{/}`);
    box.show();
    box.setFront();
    if (hideTimer) clearTimeout(hideTimer);
    hideTimer = forMs === null ? null : setTimeout(() => {
      box.hide();
      screen.render();
    }, forMs);
    hideTimer?.unref();
    screen.render();
  };
  const x = engine.ext;
  x.on('announce', (a) => {
    if (x.refusal === null) show(`📢 SYSOP: ${escape(a.text)}`, 'blue', ANNOUNCE_SHOW_MS);
  });
  x.on('refused', (r) => show(`⛔ REFUSED: ${escape(describeRefusal(r, engine.callsign))}`, 'red', null));
  x.on('admitted', () => show('✅ admitted by the server', 'blue', 5000));
  return { box };
}
