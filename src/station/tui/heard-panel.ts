import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import { clock, meter } from './format.js';

/** Stations heard: callsign, last heard, and a level bar while they talk. */
export function createHeardPanel(screen: blessed.Widgets.Screen, engine: StationEngine, opts: { top: number; bottom: number; width: number }) {
  const box = blessed.box({ parent: screen, label: ' Heard ', top: opts.top, right: 0, width: opts.width, bottom: opts.bottom, border: 'line', tags: true, style: { border: { fg: 'grey' } } });
  const render = (): void => {
    const heard = engine.heardStations();
    box.setContent(
      heard.length === 0
        ? '{grey-fg}nobody yet{/}'
        : heard.map((h) => (h.talking ? `{green-fg}{bold}${h.callsign.padEnd(10)}{/} ${meter(h.level, 6)}` : `${h.callsign.padEnd(10)} ${clock(h.lastHeard)}`)).join('\n'),
    );
  };
  render();
  return { render };
}
