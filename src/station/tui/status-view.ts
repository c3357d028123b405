import { countersReport } from '../counters.js';
import type { StationView } from '../commands/types.js';
import { escape } from './format.js';
import { linkViewMarkup } from './link-view-markup.js';
import { currentRoomText, roomsMatter } from '../room-text.js';

/** The lines of the status view (C-o): link, PTT, stations heard and the receive counters. */
export function statusLines(engine: StationView, extra: string[] = []): string[] {
  const heard = engine.heardStations();
  return [
    `{bold}${engine.callsign}{/bold} → ${escape(engine.settings.server)}:${engine.settings.port}  ${linkViewMarkup(engine.linkView())}`,
    `PTT: ${engine.pttActive ? '{red-fg}on the air{/red-fg}' : 'off'}   buffered chat: ${engine.bufferedCount}`,
    ...(roomsMatter(engine.roomInfo()) ? [`room: ${escape(currentRoomText(engine.roomInfo()))}`] : []),
    `heard: ${heard.length ? heard.map((h) => `${escape(h.callsign)}${h.talking ? ' (talking)' : ''}`).join(', ') : 'nobody yet'}`,
    '',
    ...countersReport(engine.stats()).map((l) => escape(l.trimStart())),
    ...extra.map(escape),
  ];
}
