import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import { clock, column, escape, meter } from './format.js';
import { BORDER } from './theme.js';

/** Stations heard: callsign, last heard, and a level bar while they talk. */
export function createHeardPanel(screen: blessed.Widgets.Screen, engine: StationEngine, opts: { top: number; bottom: number; width: number }) {
  const box = blessed.box({ parent: screen, label: ' Heard ', top: opts.top, right: 0, width: opts.width, bottom: opts.bottom, border: 'line', tags: true, wrap: false, style: { border: { fg: BORDER } } });
  const render = (): void => {
    const heard = engine.heardStations();
    box.setContent(
      heard.length === 0
        ? 'nobody yet'
        : heard.map((h) => (h.talking ? `{green-fg}{bold}${escape(column(h.callsign, 10))}{/bold}{/green-fg} ${meter(h.level, 6)}` : `${escape(column(h.callsign, 10))} ${clock(h.lastHeard)}`)).join('\n'),
    );
  };
  render();
  return { render };
}
