/**
 * The kitty keyboard protocol (kitty, WezTerm, foot, ghostty, iTerm2, alacritty) is the
 * only way a terminal reports key *release*, which true hold-to-talk needs. We ask the
 * terminal whether it speaks it (CSI ? u), and if it answers, push flags 1|2
 * (disambiguate + report event types); every other terminal keeps toggle PTT.
 */
export const KITTY_QUERY = '\x1b[?u';
export const KITTY_ENABLE = '\x1b[>3u';
export const KITTY_DISABLE = '\x1b[<u';

export type KeyEventType = 'press' | 'repeat' | 'release';

export interface KittyKey {
  code: number;
  /** Modifier bits as the protocol sends them minus one: 1 shift, 2 alt, 4 ctrl. */
  mods: number;
  event: KeyEventType;
}

export interface KittyFiltered {
  /** Input with every kitty sequence removed, for the ordinary key parser. */
  rest: string;
  keys: KittyKey[];
  /** The terminal answered the support query. */
  supported: boolean;
}

// CSI code[:alternates] ; mods[:event] [; text] u   — and the query reply CSI ? flags u
const SEQ = /\x1b\[(\?\d*|\d+(?::\d*)*(?:;\d*(?::\d+)?)?(?:;[\d:]*)?)u/g;

// With event types on, arrows, Home/End, F1–F4 (CSI 1;mods:event X) and the "~" keys
// (CSI n;mods:event ~) carry an event field that no legacy key parser understands.
const LEGACY_WITH_EVENT = /\x1b\[(\d+);(\d+):(\d+)([A-DHFPQRS~])/g;

/** Drops the release of a legacy-form key and turns its press/repeat back into plain legacy bytes. */
function legacyFormWithoutEvent(data: string): string {
  return data.replace(LEGACY_WITH_EVENT, (_m, n: string, mods: string, event: string, final: string) => {
    if (event === '3') return '';
    if (mods === '1') return final === '~' ? `\x1b[${n}~` : `\x1b[${final}`;
    return `\x1b[${n};${mods}${final}`;
  });
}

export function filterKitty(data: string): KittyFiltered {
  const keys: KittyKey[] = [];
  let supported = false;
  const rest = legacyFormWithoutEvent(data).replace(SEQ, (_m, body: string) => {
    if (body.startsWith('?')) {
      supported = true;
      return '';
    }
    const [codePart, modPart] = body.split(';');
    const code = Number(codePart!.split(':')[0]);
    const [m, e] = (modPart ?? '1').split(':');
    const mods = Math.max(0, (Number(m) || 1) - 1);
    const event: KeyEventType = e === '3' ? 'release' : e === '2' ? 'repeat' : 'press';
    keys.push({ code, mods, event });
    return '';
  });
  return { rest, keys, supported };
}

/** A key name as the settings write it ("C-t", "space", "p") → what kitty reports. */
export function kittyKeyFor(name: string): { code: number; mods: number } | null {
  const m = /^(C-)?(.+)$/.exec(name);
  if (!m) return null;
  const ctrl = m[1] ? 4 : 0;
  const key = m[2]!;
  if (key === 'space') return { code: 32, mods: ctrl };
  if (key.length === 1) return { code: key.toLowerCase().charCodeAt(0), mods: ctrl };
  return null;
}

/** The bytes a legacy terminal would have sent for a kitty-reported key, so the UI sees them. */
export function legacyBytes(k: KittyKey): string {
  if (k.event === 'release') return '';
  if (k.mods === 4 && k.code >= 97 && k.code <= 122) return String.fromCharCode(k.code - 96);
  if (k.code === 27) return '\x1b';
  // Alt+key: legacy terminals send ESC before the key.
  if (k.mods === 2 && k.code >= 32 && k.code < 127) return '\x1b' + String.fromCharCode(k.code);
  if (k.mods === 0 || k.mods === 1) return k.code === 13 ? '\r' : k.code === 9 ? '\t' : k.code === 127 ? '\x7f' : String.fromCodePoint(k.code);
  return '';
}
