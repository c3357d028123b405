/**
 * The push-to-talk keys the full-screen UI can really use. A key that types into the
 * chat line (space, letters) would key the transmitter on every word, and some Ctrl
 * keys are the terminal's own or the chat line's (Enter, Tab, Backspace, editing,
 * quitting), so only these are accepted, and an error names them.
 */
const RESERVED_CTRL = new Set(['a', 'c', 'e', 'h', 'i', 'j', 'm', 'o', 'q', 's', 'u', 'w', 'z']);

export const PTT_KEYS_HELP = 'Ctrl+letter (C-t, C-g, C-b, C-k …; not C-a C-c C-e C-h C-i C-j C-m C-o C-q C-s C-u C-w C-z) or F3–F12';

export type PttKeyResult = { ok: true; key: string } | { ok: false; error: string };

/** "C-t", "ctrl+T", "F5" → the blessed key name ("C-t", "f5"), or why not. */
export function checkPttKey(input: string): PttKeyResult {
  const s = input.trim();
  const ctrl = /^(?:c|ctrl)[-+]([a-z])$/i.exec(s);
  if (ctrl) {
    const letter = ctrl[1]!.toLowerCase();
    if (RESERVED_CTRL.has(letter)) return { ok: false, error: `PTT key "${input}" is taken by the terminal or the chat line; use ${PTT_KEYS_HELP}` };
    return { ok: true, key: `C-${letter}` };
  }
  const fn = /^f(\d{1,2})$/i.exec(s);
  if (fn && Number(fn[1]) >= 3 && Number(fn[1]) <= 12) return { ok: true, key: `f${Number(fn[1])}` };
  if (/^f1$/i.test(s)) return { ok: false, error: `PTT key "${input}" opens the help; use ${PTT_KEYS_HELP}` };
  if (/^f2$/i.test(s)) return { ok: false, error: `PTT key "${input}" turns spoken chat on and off; use ${PTT_KEYS_HELP}` };
  if (/^space$/i.test(s) || s === ' ') return { ok: false, error: `PTT key "space" would key the transmitter on every word typed in the chat line; use ${PTT_KEYS_HELP}` };
  return { ok: false, error: `PTT key "${input}" is not a key opv can use; use ${PTT_KEYS_HELP}` };
}

/** How the key is written for people: "Ctrl+T", "F5". */
export function pttKeyLabel(key: string): string {
  const ctrl = /^C-([a-z])$/.exec(key);
  if (ctrl) return `Ctrl+${ctrl[1]!.toUpperCase()}`;
  return key.toUpperCase();
}
