import type { StationView } from './commands/types.js';
import { stationName } from './roster.js';
import { describeRefusal } from './server-ext.js';
import { noRoomsText, noRoomText, roomChangeText, roomNoteWanted, roomsMatter, roomsText } from './room-text.js';

/**
 * What the server's extension says, as line-mode lines. Sysop and server lines start
 * with a symbol and a word no chat line has (chat is `📨 [CALL]: …`), so an announcement
 * cannot be mistaken for a station's chat, nor forged by one.
 */
export function attachExtLines(engine: StationView, say: (line: string) => void): void {
  const x = engine.ext;
  x.on('announce', (a) => say(`📢 SYSOP: ${a.text}`));
  const hasKey = engine.auth !== null;
  x.on('refused', (r) => say(`⛔ REFUSED by the server: ${describeRefusal(r, engine.callsign, Date.now(), hasKey)}`));
  x.on('admitted', () => say('✅ admitted by the server'));
  // Where rooms matter, "the room"; a station of another interlinked server is CALL@server.
  const where = (): string => (roomsMatter(x.roomInfo()) ? 'the room' : 'the conference');
  x.on('join', (j) => say(`➕ ${stationName({ callsign: j.callsign, server: j.server ?? null })} joined ${where()}`));
  x.on('leave', (l) => {
    // A BYE is shown by the ordinary path already.
    if (l.reason === 'moved') say(`🚪 ${l.callsign} went to another room`);
    else if (l.reason !== 'bye') say(`👋 ${l.callsign} left ${where()} (${l.reason === 'timeout' ? 'timed out' : l.reason})`);
  });
  x.on('room', (r) => {
    if (roomNoteWanted(r, x.roomInfo())) say(`🚪 ${roomChangeText(r)}`);
  });
  x.on('rooms', (r) => {
    if (r.asked) say(`🚪 ${roomsText(r.rooms, x.roomInfo().current)}`);
  });
  x.on('noRoom', (n) => say(`🚪 ${noRoomText(n.room, n.rooms)}`));
  // Said only to an operator who asked for a room: everyone else is simply on the conference.
  x.on('noRooms', (n) => {
    if (n.wanted !== null) say(`🚪 ${noRoomsText(n.reason)}`);
  });
  engine.auth?.on('authenticated', (a) => say(`🔐 authenticated as ${a.callsign}`));
  // A server that does not protect this callsign (or does not authenticate at all) lets it in anyway: not an alarm.
  engine.auth?.on('failed', (f) =>
    say(
      f.reason === 'unknown_callsign' || f.reason === 'disabled'
        ? `🔓 not authenticated: ${f.text}`
        : `⛔ authentication failed: ${f.reason} (${f.text})${f.retryAt === null ? '' : `; trying again in ${Math.max(1, Math.round((f.retryAt - f.at) / 1000))} s`}`,
    ),
  );
  if (engine.auth?.authenticated) say(`🔐 authenticated as ${engine.callsign}`);
  // The server may have refused us before this interface was listening.
  if (x.refusal !== null) say(`⛔ REFUSED by the server: ${describeRefusal(x.refusal, engine.callsign, Date.now(), hasKey)}`);
}
