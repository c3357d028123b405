import { keyName } from '../ptt/keys.js';

/**
 * The help box: the keys of the full-screen UI, then the commands of the chat line
 * (`commands`, from the one command table, the same list line mode's /help prints).
 * `hold`: the terminal reports key release (kitty protocol), so PTT is held, not toggled.
 */
export function helpLines(pttKey: string, pttTimeoutS: number, exportsDir: string, hold: boolean, roomKey: string, commands: string[]): string[] {
  const k = (key: string): string => keyName(key).padEnd(10);
  return [
    '{bold}opv station — keys{/bold}',
    '',
    `  ${k(pttKey)} push-to-talk (${hold ? 'hold while speaking' : 'toggle'}; ends by itself after ${pttTimeoutS} s)`,
    `  ${k('enter')} send the chat line (held back while transmitting)`,
    '  ←/→ C-a C-e move in the chat line; C-u C-k C-w delete; ↑/↓ lines sent',
    `  ${k('tab')} move between the chat line and the history (back: live)`,
    '  ↑/↓ PgUp   choose an entry (when the history has the focus)',
    `  ${k('enter')} open a chat line whole / replay a transmission`,
    '  e          export the entry (a transmission as .wav/.ogg, chat as .txt)',
    '             a bare file name is saved in',
    `             ${exportsDir}`,
    '             other keys typed in the history go to the chat line',
    `  ${k('f2')} read incoming chat aloud on/off (espeak-ng)`,
    `  ${k('C-o')} status: link, counters of bad frames and lost voice`,
    `  ${k(roomKey)} rooms: the server's rooms to choose from (↑/↓, Enter)`,
    `  ${k('f1')} this help (? in the history)     C-c / C-q  leave (BYE)`,
    '',
    '{bold}commands in the chat line{/bold} (a line starting with / is never sent)',
    ...commands.map((l) => l.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'))),
    '',
    'Chat typed while transmitting is sent when you release PTT.',
    'Press any key to close.',
  ];
}
