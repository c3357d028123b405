import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { filterKitty, legacyBytes, type KittyKey } from '../ptt/kitty.js';

export type TtyInput = PassThrough & { isTTY: boolean; isRaw: boolean; setRawMode: (on: boolean) => TtyInput };

/**
 * Stands between the terminal and blessed: kitty keyboard sequences (which blessed does
 * not know) are taken out and given to `onKey`; a key it does not consume goes on to
 * blessed as the bytes a legacy terminal would have sent.
 */
export function kittyFilteredInput(
  stdin: NodeJS.ReadStream,
  onKey: (k: KittyKey) => boolean,
  onSupported: () => void,
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
  const onData = (chunk: Buffer): void => {
    const r = filterKitty(decoder.write(chunk));
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
