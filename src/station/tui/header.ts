import blessed from 'blessed';
import type { StationView } from '../commands/types.js';
import { escape } from './format.js';
import { linkViewMarkup } from './link-view-markup.js';
import { roomsMatter } from '../room-text.js';

/** Top line: who we are, where, the link, and whether we are transmitting or hearing. */
export function createHeader(screen: blessed.Widgets.Screen, engine: StationView, extra: () => string = () => ''): { render: () => void } {
  const box = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { bg: 'blue', fg: 'white' } });
  const render = (): void => {
    const tx = engine.pttActive ? '{red-bg}{white-fg} TX {/white-fg}{/red-bg}' : '';
    const rx = engine.heardStations().some((h) => h.talking) ? '{green-bg}{black-fg} RX {/black-fg}{/green-bg}' : '';
    const info = engine.roomInfo();
    const current = roomsMatter(info) ? info.current : null;
    // The room right after the server it is on: which conference this is.
    const room = current === null ? '' : ` {yellow-fg}{bold}[${escape(current)}]{/bold}{/yellow-fg}`;
    box.setContent(` {bold}${engine.callsign}{/bold} → ${escape(engine.settings.server)}:${engine.settings.port}${room}  ${linkViewMarkup(engine.linkView())} ${tx}${rx}${extra()}`);
  };
  render();
  return { render };
}
