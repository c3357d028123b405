import blessed from 'blessed';
import type { StationView } from '../commands/types.js';
import { describeRefusal, type Refusal } from '../server-ext.js';
import { escape } from './format.js';

/** An announcement stays up this long (or until the next one). */
const ANNOUNCE_SHOW_MS = 120_000;

/**
 * The server's own word, over the top of the history: a sysop announcement (blue) or
 * why the server refuses this station and what to do (red, until admitted). Never
 * mixed with chat, and only from the server (see ServerExtension).
 */
export function createSysopBar(screen: blessed.Widgets.Screen, engine: StationView, opts: { top: number; right: number }) {
  const box = blessed.box({ parent: screen, top: opts.top, left: 0, right: opts.right, height: 3, border: 'line', tags: true, hidden: true });
  // blessed types `style` as any; these are the two fields the bar sets.
  const style = box.style as { bg: string; border: { fg: string; bg: string } };
  let hideTimer: NodeJS.Timeout | null = null;
  const show = (text: string, colour: 'blue' | 'red', forMs: number | null): void => {
    style.bg = colour;
    style.border = { fg: colour === 'red' ? 'red' : 'cyan', bg: colour };
    box.setContent(`{bold}{white-fg}${text}{/}`);
    // Tall enough for the whole reason (a refusal says what to do), at most five lines.
    const inner = Math.max(10, Number(screen.width) - opts.right - 2);
    box.height = Math.min(5, Math.ceil([...text].length / Math.max(5, inner - 12))) + 2; // words wrap: some slack
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
    if (x.refusal === null) show(`SYSOP: ${escape(a.text)}`, 'blue', ANNOUNCE_SHOW_MS);
  });
  // No emoji here: blessed and terminals disagree on their width, which shifts the border.
  const refused = (r: Refusal): void => show(`REFUSED: ${escape(describeRefusal(r, engine.callsign, Date.now(), engine.auth !== null))}`, 'red', null);
  x.on('refused', refused);
  x.on('admitted', () => show('Admitted by the server', 'blue', 5000));
  engine.auth?.on('authenticated', (a) => show(`Authenticated as ${escape(a.callsign)}`, 'blue', 5000));
  engine.auth?.on('failed', (f) =>
    f.reason === 'unknown_callsign' || f.reason === 'disabled'
      ? show(`Not authenticated: ${escape(f.text)}`, 'blue', 5000)
      : show(`AUTHENTICATION FAILED (${f.reason}): ${escape(f.text)}`, 'red', null),
  );
  // The server may have refused us while the screen was still being built.
  if (x.refusal !== null) refused(x.refusal);
  return { box };
}
