/** Control words carried on UDP port 57375 (PROTOCOL.md §4). */
export type ControlWord =
  | { type: 'ptt_start' }
  | { type: 'ptt_stop' }
  | { type: 'keepalive'; /** Unix seconds, possibly fractional; null when unreadable. */ time: number | null }
  | { type: 'bye' }
  | { type: 'station_id'; callsign: string }
  | { type: 'raw'; text: string };

/** The keepalive's word: `KEEPALIVE:<unix seconds>` (an authenticated opv station appends ` <tag>`). */
export const KEEPALIVE_PREFIX = 'KEEPALIVE:';

export function parseControl(text: string): ControlWord {
  switch (text) {
    case 'PTT_START':
      return { type: 'ptt_start' };
    case 'PTT_STOP':
      return { type: 'ptt_stop' };
    case 'BYE':
      return { type: 'bye' };
  }
  if (text.startsWith(KEEPALIVE_PREFIX)) {
    // An authenticated opv station appends " <tag>" (docs/EXTENSIONS.md): the time is the first word.
    const t = Number(text.slice(KEEPALIVE_PREFIX.length).split(' ')[0]);
    return { type: 'keepalive', time: Number.isFinite(t) && text.length > KEEPALIVE_PREFIX.length ? t : null };
  }
  if (text.startsWith('STATION_ID:')) return { type: 'station_id', callsign: text.slice('STATION_ID:'.length) };
  return { type: 'raw', text };
}

export function formatControl(word: ControlWord): string {
  switch (word.type) {
    case 'ptt_start':
      return 'PTT_START';
    case 'ptt_stop':
      return 'PTT_STOP';
    case 'bye':
      return 'BYE';
    case 'keepalive':
      return `${KEEPALIVE_PREFIX}${word.time ?? ''}`;
    case 'station_id':
      return `STATION_ID:${word.callsign}`;
    case 'raw':
      return word.text;
  }
}
