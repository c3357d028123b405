import blessed from 'blessed';
import { BORDER } from './theme.js';
import type { StationView } from '../commands/types.js';
import { stationName, StationsModel, type StationRow } from '../roster.js';
import { escape } from './format.js';
import { roomsMatter } from '../room-text.js';
import { clock, meter } from './format.js';

/** "1:12" (m:ss), "1h05" past an hour. */
function airtime(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function row(r: StationRow, level: number): string {
  // ● on the server, ○ heard earlier but gone, · the server does not say (no extension).
  const mark = r.online === true ? '{green-fg}●{/}' : r.online === false ? '○' : '·';
  // A station on another interlinked server: W1ABC@hub-b, with the time on the next line.
  const name = escape(stationName(r));
  const call = r.talking ? `{green-fg}{bold}${name.padEnd(9)}{/}` : name.padEnd(9);
  const heard0 = r.self === true ? 'you' : r.talking ? meter(level, 8) : r.lastHeard === null ? '—       ' : clock(r.lastHeard);
  const heard = r.server !== null && name.length > 9 ? `\n  ${heard0}` : heard0;
  // What I heard from it on a second line, so the panel stays narrow.
  const tx = r.transmissions > 0 ? `\n  ${r.transmissions} tx, ${airtime(r.onAirMs)} on air` : '';
  // ✓: the server says it proved its callsign with a key (opv authentication).
  const verified = r.authenticated ? '{green-fg}✓{/}' : ' ';
  return `${mark} ${call}${verified}${heard}${tx}`;
}

/**
 * Who is on the server (the opv extension's roster), who is talking, when I last heard
 * each and what: transmissions and total time on air. Without the extension: the
 * stations heard, as the Heard panel was.
 */
export function createStationsPanel(screen: blessed.Widgets.Screen, engine: StationView, opts: { top: number; bottom: number; width: number }) {
  const box = blessed.box({ parent: screen, label: ' Stations ', top: opts.top, right: 0, width: opts.width, bottom: opts.bottom, border: 'line', tags: true, style: { border: { fg: BORDER } } });
  const model = new StationsModel(engine);
  const render = (): void => {
    const rows = model.rows();
    const levels = new Map(engine.heardStations().map((h) => [h.callsign, h.level] as const));
    const on = rows.filter((r) => r.online === true).length;
    const room = roomsMatter(engine.roomInfo()) ? engine.roomInfo().current : null;
    const head = engine.ext.active ? [room === null ? `${on} on the server` : `${on} in room ${escape(room)}`] : [];
    box.setContent(rows.length === 0 && head.length === 0 ? 'nobody yet' : [...head, ...rows.map((r) => row(r, levels.get(r.callsign) ?? 0))].join('\n'));
  };
  engine.on('room', () => {
    render();
    screen.render();
  });
  model.on('change', () => {
    render();
    screen.render();
  });
  render();
  return { render, box };
}
