import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { filterKitty, legacyBytes, type KittyKey } from '../ptt/kitty.js';

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** A paste is bounded like everything typed (the chat line holds 8000 characters). */
const MAX_PASTE = 64 * 1024;

export type TtyInput = PassThrough & { isTTY: boolean; isRaw: boolean; setRawMode: (on: boolean) => TtyInput };

/**
 * Stands between the terminal and blessed: kitty keyboard sequences (which blessed does
 * not know) are taken out and given to `onKey`; a key it does not consume goes on to
 * blessed as the bytes a legacy terminal would have sent. A bracketed paste (the
 * terminal marks it when asked with ESC[?2004h) goes whole to `onPaste` instead of
 * reaching blessed as keystrokes, where each line's Enter would send it.
 */
export function kittyFilteredInput(
  stdin: NodeJS.ReadStream,
  onKey: (k: KittyKey) => boolean,
  onSupported: () => void,
  onPaste: (text: string) => void = () => undefined,
): { input: TtyInput; close: () => void } {
  const input = new PassThrough() as TtyInput;
  input.isTTY = true;
  input.isRaw = false;
  input.setRawMode = (on: boolean) => {
    stdin.setRawMode?.(on);
    input.isRaw = on;
    return input;
  };
  const decoder = new StringDecoder('utf8');
  /** Text of a paste still arriving (null: not in a paste). */
  let paste: string | null = null;
  /** Takes the pasted parts out of `s`; what is left is typed input. */
  const takePaste = (s: string): string => {
    let typed = '';
    let rest = s;
    while (rest.length > 0) {
      if (paste === null) {
        const at = rest.indexOf(PASTE_START);
        if (at < 0) return typed + rest;
        typed += rest.slice(0, at);
        paste = '';
        rest = rest.slice(at + PASTE_START.length);
      } else {
        const end = rest.indexOf(PASTE_END);
        const part = end < 0 ? rest : rest.slice(0, end);
        if (paste.length < MAX_PASTE) paste += part.slice(0, MAX_PASTE - paste.length);
        if (end < 0) return typed;
        const text = paste;
        paste = null;
        rest = rest.slice(end + PASTE_END.length);
        onPaste(text);
      }
    }
    return typed;
  };
  const onData = (chunk: Buffer): void => {
    const typed = takePaste(decoder.write(chunk));
    if (typed === '') return;
    const r = filterKitty(typed);
    if (r.supported) onSupported();
    let out = r.rest;
    for (const k of r.keys) if (!onKey(k)) out += legacyBytes(k);
    if (out) input.write(out);
  };
  stdin.on('data', onData);
  stdin.resume();
  return {
    input,
    close: () => {
      stdin.off('data', onData);
      stdin.pause();
    },
  };
}
