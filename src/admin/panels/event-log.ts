import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ServerEvent } from '../../contract/stats.js';
import { inert } from '../../util/inert-text.js';
import { formatClock } from '../format.js';
import { DEFAULT_ROOM } from '../../protocol/ext.js';

/**
 * One event as a log line (without the time), or null for events the log does not
 * show. Marks are one cell wide: emoji widths differ between terminals and blessed,
 * and a wrong guess garbles the whole line.
 */
export function describeEvent(e: ServerEvent): string | null {
  switch (e.type) {
    case 'station_joined':
      return `+ ${e.callsign} joined${e.room === DEFAULT_ROOM ? '' : ` ${e.room}`} from ${e.endpoint}`;
    case 'station_left':
      return `- ${e.callsign} left (${e.reason === 'bye' ? 'BYE' : e.reason}) from ${e.endpoint}`;
    case 'station_timeout':
      return `! ${e.callsign} timed out after ${Math.round(e.idle_s)} s silent (${e.endpoint})`;
    case 'endpoint_changed':
      return `~ ${e.callsign} moved ${e.from} → ${e.to}`;
    case 'hijack_refused':
      return `x ${e.callsign} refused from ${e.endpoint}: held by ${e.holder}`;
    case 'ptt_start':
      return `> ${e.callsign}${where(e)} PTT start`;
    case 'ptt_stop':
      return `. ${e.callsign}${where(e)} PTT stop`;
    case 'room_changed':
      return `~ ${e.callsign} moved from room ${e.from} to ${e.to}`;
    case 'remote_joined':
      return `+ ${e.callsign} joined ${e.room} on server ${e.server}`;
    case 'remote_left':
      return `- ${e.callsign} left ${e.room} on server ${e.server}`;
    case 'interlink':
      return `${e.connected ? '~' : '!'} interlink ${e.state}`;
    case 'alert_raised':
    case 'alert_cleared':
      return `${e.type === 'alert_raised' ? '!' : '~'} alert ${e.kind}${e.subject !== null ? ` ${e.subject}` : ''}: ${e.message}`;
    case 'stats':
      return null;
  }
}

/** " @hub-b" for a talker on another server, " in NET" outside the main room. */
function where(e: { room: string; server?: string }): string {
  return `${e.server !== undefined ? ` @${e.server}` : ''}${e.room === DEFAULT_ROOM ? '' : ` in ${e.room}`}`;
}

const COLORS: Partial<Record<ServerEvent['type'], string>> = {
  station_joined: 'green',
  station_left: 'yellow',
  station_timeout: 'yellow',
  hijack_refused: 'red',
  endpoint_changed: 'cyan',
  room_changed: 'cyan',
  remote_joined: 'green',
  remote_left: 'yellow',
};

/** The scrolling log of what happened: server events and the sysop's own actions. */
export class EventLog {
  readonly log: Widgets.Log;

  constructor(parent: Widgets.Node) {
    this.log = blessed.log({
      parent,
      border: { type: 'line' },
      label: ' Events ',
      tags: true,
      scrollback: 1000,
      scrollbar: { ch: ' ', style: { bg: 'cyan' } },
      mouse: true,
    });
  }

  event(e: ServerEvent): void {
    const text = describeEvent(e);
    if (text === null) return;
    const color = COLORS[e.type];
    // What the server relays about stations is shown, never interpreted.
    const body = blessed.escape(inert(text));
    this.log.log(`${formatClock(e.at)} ${color ? `{${color}-fg}${body}{/${color}-fg}` : body}`);
  }

  /**
   * Scrolls to the newest line, and keeps following. Call after a render at a new size:
   * blessed re-wraps the lines only when it draws, keeps the old offset (which can point
   * past the re-wrapped lines: an empty panel), and judges "the user scrolled away" on
   * the previous size, which would stop it following new lines.
   */
  toNewest(): void {
    const log = this.log as unknown as { childBase: number; childOffset: number; _userScrolled: boolean; _clines?: unknown[] };
    const visible = Math.max(1, Number(this.log.height) - 2);
    const lines = log._clines?.length ?? 0;
    log.childBase = Math.max(0, lines - visible);
    log.childOffset = Math.max(0, Math.min(visible, lines) - 1);
    log._userScrolled = false;
    // blessed keeps the label of a scrolled box on its border by listening to this.
    this.log.emit('scroll');
  }

  /** A line of the dashboard's own (connection changes, action results). */
  note(text: string, atMs: number, color?: string): void {
    const body = blessed.escape(inert(text));
    this.log.log(`${formatClock(atMs)} ${color ? `{${color}-fg}${body}{/${color}-fg}` : body}`);
  }
}
