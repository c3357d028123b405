import { pttKeyLabel } from '../ptt/keys.js';

/** `hold`: the terminal reports key release (kitty protocol), so PTT is held, not toggled. */
export function helpLines(pttKey: string, pttTimeoutS: number, exportsDir: string, hold = false, roomKey = 'C-r'): string[] {
  const k = pttKey.padEnd(10);
  return [
    '{bold}opv station — keys{/bold}',
    '',
    `  ${k} push-to-talk (${pttKeyLabel(pttKey)}; ${hold ? 'hold while speaking' : 'toggle'}; ends by itself after ${pttTimeoutS} s)`,
    '  Enter      send the chat line (held back while transmitting)',
    '  ←/→ ^A ^E  move in the chat line; ^U ^K ^W delete; ↑/↓ lines sent',
    '  Tab        move between the chat line and the history',
    '  ↑/↓ PgUp   choose an entry (when the history has the focus)',
    '  Enter      open a chat line whole / replay a transmission',
    '  e          export the entry (a transmission as .wav/.ogg, chat as .txt)',
    '             a bare file name is saved in',
    `             ${exportsDir}`,
    '  F2         read incoming chat aloud on/off (espeak-ng)',
    '  C-o        status: link, counters of bad frames and lost voice',
    `  ${roomKey.padEnd(10)} rooms: the server's rooms to choose from (↑/↓, Enter)`,
    '  /room NAME in the chat line: move there (/room: where; /rooms: all)',
    '  F1         this help (? in the history)     Ctrl+C / Ctrl+Q  leave (BYE)',
    '',
    'Chat typed while transmitting is sent when you release PTT.',
    'Press any key to close.',
  ];
}
