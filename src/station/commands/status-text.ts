import { inert } from '../../util/inert-text.js';
import { countersReport } from '../counters.js';
import { currentRoomText, roomsMatter } from '../room-text.js';
import { speechTag } from '../speech/describe.js';
import { linkViewText } from '../link-view.js';
import type { StationView } from './types.js';

/** /status as plain lines: link, PTT, room, speech, stations heard and the receive counters. */
export function statusText(v: StationView): string[] {
  const link = linkViewText(v.linkView());
  const heard = v.heardStations();
  return [
    `📊 ${v.callsign} → ${inert(v.settings.server)}:${v.settings.port} (${link})`,
    `   PTT: ${v.pttActive ? 'ACTIVE' : 'off'}; buffered chat: ${v.bufferedCount}`,
    ...(roomsMatter(v.roomInfo()) ? [`   room: ${currentRoomText(v.roomInfo())}`] : []),
    `   chat read aloud: ${v.speech.state.enabled ? speechTag(v.speech.state) || 'on' : 'off'}`,
    `   heard: ${heard.length ? heard.map((h) => `${inert(h.callsign)}${h.talking ? ' (talking)' : ''}`).join(', ') : 'nobody yet'}`,
    ...countersReport(v.stats()),
  ];
}
