/**
 * Text that came from somewhere else (another station's chat, a frame, a server's
 * reply) made safe to put on a terminal: every character that a terminal, blessed or a
 * log reader could act on is replaced by a visible stand-in, so remote text can never
 * clear the screen, set the title, move the cursor, colour anything or start a new line
 * that looks like another station's message. Stored text keeps the original; only what
 * is shown goes through here.
 */

/** U+2400..U+241F are the Unicode "control pictures" for C0: ␀ … ␛ … ␟. */
const CONTROL_PICTURES = 0x2400;

// C0, DEL, C1; line/paragraph separators (some renderers break lines on them); the
// bidirectional overrides and isolates that can make text display in another order
// than it is stored ("Trojan Source"); lone surrogates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function standIn(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n' || c === '\u2028' || c === '\u2029') return '␤';
  if (code < 0x20) return String.fromCharCode(CONTROL_PICTURES + code);
  if (code === 0x7f) return '␡';
  return '\ufffd';
}

/** `s` with every control character, escape sequence introducer and newline made visible. */
export function inert(s: string): string {
  return s.replace(UNSAFE, standIn);
}

/** True when `s` would be shown unchanged by `inert`. */
export function isInert(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const unsafe = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return !unsafe;
}

/** For blessed widgets with `tags: true`: inert, and `{`/`}` can no longer open a tag. */
export function inertTagged(s: string): string {
  return inert(s).replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}
