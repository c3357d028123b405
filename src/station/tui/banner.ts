import blessed from 'blessed';
import { cellWidth } from '../../util/cell-width.js';
import type { StationView } from '../commands/types.js';
import { elapsed, escape, meter } from './format.js';
import { BORDER } from './theme.js';

/**
 * The transmit banner (impossible to miss while the transmitter is keyed) and the
 * receive line naming everyone talking now, with their levels.
 */
export function createBanner(screen: blessed.Widgets.Screen, engine: StationView, opts: { bottom: number }) {
  const box = blessed.box({ parent: screen, left: 0, right: 0, bottom: opts.bottom, height: 3, tags: true, wrap: false, border: 'line', style: { border: { fg: BORDER } } });
  // blessed types `style` as any; these are the two fields the banner sets.
  const style = box.style as { bg: string; border: { fg: string } };
  const render = (): void => {
    const width = Math.max(10, (box.width as number) - 2);
    if (engine.pttActive) {
      const tx = engine.txState();
      style.bg = 'red';
      style.border = { fg: 'red' };
      const since = tx.since ? elapsed(Date.now() - tx.since) : '0:00';
      box.setContent(`{bold}{white-fg}● TRANSMITTING  ${since}{/white-fg}{/bold}  mic ${meter(tx.level, Math.min(20, width - 32))}`);
      return;
    }
    style.bg = 'default';
    const talkers = engine.heardStations().filter((h) => h.talking);
    style.border = { fg: talkers.length ? 'green' : BORDER };
    if (talkers.length === 0) {
      // Without a microphone there is nothing to transmit: the banner must not invite it.
      box.setContent(engine.micUnavailable === null ? '○ idle — press the PTT key to transmit' : '○ idle — chat only: no microphone, PTT disabled');
      return;
    }
    // As many talkers as fit; the rest counted.
    const head = '◀ RECEIVING  ';
    let used = cellWidth(head);
    const parts: string[] = [];
    for (const [i, t] of talkers.entries()) {
      const w = cellWidth(t.callsign) + 1 + 6 + 2;
      if (used + w > width - 6 && i < talkers.length - 1) {
        parts.push(`+${talkers.length - i}`);
        break;
      }
      used += w;
      parts.push(`{bold}${escape(t.callsign)}{/bold} ${meter(t.level, 6)}`);
    }
    box.setContent(`{green-fg}{bold}◀ RECEIVING{/bold}{/green-fg}  ${parts.join('  ')}`);
  };
  render();
  return { render, box };
}
