import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import { elapsed, meter } from './format.js';

/**
 * The transmit banner (impossible to miss while the transmitter is keyed) and the
 * receive line naming everyone talking now, with their levels.
 */
export function createBanner(screen: blessed.Widgets.Screen, engine: StationEngine, opts: { bottom: number }) {
  const box = blessed.box({ parent: screen, left: 0, right: 0, bottom: opts.bottom, height: 3, tags: true, border: 'line', style: { border: { fg: 'grey' } } });
  // blessed types `style` as any; these are the two fields the banner sets.
  const style = box.style as { bg: string; border: { fg: string } };
  const render = (): void => {
    const width = Math.max(10, (box.width as number) - 4);
    if (engine.pttActive) {
      const tx = engine.txState();
      style.bg = 'red';
      style.border = { fg: 'red' };
      const since = tx.since ? elapsed(Date.now() - tx.since) : '0:00';
      const text = `{bold}{white-fg}● TRANSMITTING  ${since}{/}  mic ${meter(tx.level, Math.min(20, width - 32))}`;
      box.setContent(text);
      return;
    }
    style.bg = 'default';
    const talkers = engine.heardStations().filter((h) => h.talking);
    style.border = { fg: talkers.length ? 'green' : 'grey' };
    box.setContent(
      talkers.length
        ? `{green-fg}{bold}◀ RECEIVING{/}  ${talkers.map((t) => `{bold}${t.callsign}{/bold} ${meter(t.level, 6)}`).join('  ')}`
        : '{grey-fg}○ idle — press the PTT key to transmit{/}',
    );
  };
  render();
  return { render };
}
