/**
 * The push-to-talk keys the full-screen UI can really use. A key that types into the
 * chat line (space, letters) would key the transmitter on every word, and some Ctrl
 * keys are the terminal's own or the chat line's (Enter, Tab, Backspace, editing,
 * quitting), so only these are accepted, and an error names them.
 */
const RESERVED_CTRL: ReadonlyMap<string, string> = new Map([
  ['a', "the chat line's start-of-line (and GNU screen's prefix key)"],
  ['b', "tmux's prefix key (and the chat line's cursor left)"],
  ['c', 'leaving the station'],
  ['d', "the chat line's delete"],
  ['e', "the chat line's end-of-line"],
  ['f', "the chat line's cursor right"],
  ['h', 'Backspace in most terminals'],
  ['i', 'Tab'],
  ['j', 'Enter (line feed)'],
  ['k', "the chat line's delete-to-end"],
  ['l', "the terminal's redraw"],
  ['m', 'Enter'],
  ['o', 'the status view'],
  ['q', 'leaving the station (and the terminal\'s XON flow control)'],
  ['s', "the terminal's XOFF flow control (it freezes the screen)"],
  ['u', "the chat line's delete-to-start"],
  ['w', "the chat line's delete-word"],
  ['z', "the shell's suspend"],
]);

/** Only keys that work everywhere are suggested (never a prefix of tmux or screen, never an editing key). */
export const PTT_KEYS_HELP = 'C-t (the default), C-g, C-n, C-p, C-x, C-y or F3–F12';

/** How a key is written everywhere on screen (footer, help, errors): "C-t", "F5", "Tab". */
export function keyName(key: string): string {
  const ctrl = /^(?:c|ctrl)[-+](.)$/i.exec(key);
  if (ctrl) return `C-${ctrl[1]!.toLowerCase()}`;
  const fn = /^f(\d{1,2})$/i.exec(key);
  if (fn) return `F${Number(fn[1])}`;
  return key.length > 1 ? key[0]!.toUpperCase() + key.slice(1) : key;
}

export type PttKeyResult = { ok: true; key: string } | { ok: false; error: string };

/** "C-t", "ctrl+T", "F5" → the blessed key name ("C-t", "f5"), or why not. */
export function checkPttKey(input: string): PttKeyResult {
  const s = input.trim();
  const ctrl = /^(?:c|ctrl)[-+]([a-z])$/i.exec(s);
  if (ctrl) {
    const letter = ctrl[1]!.toLowerCase();
    const taken = RESERVED_CTRL.get(letter);
    if (taken !== undefined) return { ok: false, error: `PTT key C-${letter} is ${taken}; use ${PTT_KEYS_HELP}` };
    return { ok: true, key: `C-${letter}` };
  }
  const fn = /^f(\d{1,2})$/i.exec(s);
  if (fn && Number(fn[1]) >= 3 && Number(fn[1]) <= 12) return { ok: true, key: `f${Number(fn[1])}` };
  if (/^f1$/i.test(s)) return { ok: false, error: `PTT key F1 opens the help; use ${PTT_KEYS_HELP}` };
  if (/^f2$/i.test(s)) return { ok: false, error: `PTT key F2 turns spoken chat on and off; use ${PTT_KEYS_HELP}` };
  if (/^space$/i.test(s) || s === ' ') return { ok: false, error: `PTT key "space" would key the transmitter on every word typed in the chat line; use ${PTT_KEYS_HELP}` };
  return { ok: false, error: `PTT key "${input}" is not a key opv can use; use ${PTT_KEYS_HELP}` };
}

