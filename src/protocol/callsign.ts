/**
 * Base-40 station identifiers. The first character is the least significant digit,
 * as in the reference `StationIdentifier`, so `W1AW` and `W1AW-1` share low digits.
 */
const ALPHABET = '\0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/.';
const MAX_ID = 0xffffffffffff; // 48 bits, exact in a double
const DIGIT: ReadonlyMap<string, number> = new Map(
  [...ALPHABET].slice(1).map((c, i) => [c, i + 1] as const),
);

export type CallsignErrorReason = 'empty' | 'bad_character' | 'overflow' | 'zero' | 'bad_digit' | 'no_letter_or_digit';

/**
 * Why a callsign cannot be carried. The `try*` helpers return it as a value; the throwing
 * helpers (for callsigns already checked, or built by the program) throw it. The protocol
 * floor has no error model of its own: a layer above that takes a callsign from a person
 * uses the `try*` helpers and says what is wrong in its own OpvError (a ConfigError, a
 * SettingsError), so a CallsignError reaching the top of `opv` is a bug.
 */
export class CallsignError extends Error {
  override readonly name = 'CallsignError';
  constructor(
    readonly reason: CallsignErrorReason,
    message: string,
    /** The offending character, for `bad_character`. */
    readonly character?: string,
  ) {
    super(message);
  }
}

export type CallsignResult<T> = { ok: true; value: T } | { ok: false; error: CallsignError };

/** The reference's normalisation: trim, then upper-case. */
export function normaliseCallsign(input: string): string {
  return input.trim().toUpperCase();
}

export function tryEncodeCallsign(input: string): CallsignResult<number> {
  const call = normaliseCallsign(input);
  if (call.length === 0) {
    return { ok: false, error: new CallsignError('empty', 'callsign is empty') };
  }
  let value = 0;
  let scale = 1;
  for (const ch of call) {
    const digit = DIGIT.get(ch);
    if (digit === undefined) {
      return {
        ok: false,
        error: new CallsignError(
          'bad_character',
          `callsign "${call}" contains "${ch}"; allowed are A-Z, 0-9, "-", "/" and "."`,
          ch,
        ),
      };
    }
    value += digit * scale;
    scale *= 40;
    if (value > MAX_ID) {
      return {
        ok: false,
        error: new CallsignError('overflow', `callsign "${call}" is too long: at most 9 characters`),
      };
    }
  }
  return { ok: true, value };
}

/**
 * A callsign a person may take: encodable, and with at least one letter or digit. The
 * wire can carry "-" or ".." (so decoding accepts them), but as a name they identify
 * nobody and ".." would walk out of a directory built from it.
 */
export function tryOperatorCallsign(input: string): CallsignResult<string> {
  const r = tryEncodeCallsign(input);
  if (!r.ok) return r;
  const call = normaliseCallsign(input);
  if (!/[A-Z0-9]/.test(call)) {
    return { ok: false, error: new CallsignError('no_letter_or_digit', `callsign "${call}" must contain a letter or a digit`) };
  }
  return { ok: true, value: call };
}

export function encodeCallsign(input: string): number {
  const r = tryEncodeCallsign(input);
  if (!r.ok) throw r.error;
  return r.value;
}

export function tryDecodeCallsign(value: number): CallsignResult<string> {
  if (!Number.isInteger(value) || value <= 0) {
    return { ok: false, error: new CallsignError('zero', `station id ${value} is not a callsign`) };
  }
  if (value > MAX_ID) {
    return { ok: false, error: new CallsignError('overflow', `station id ${value} exceeds 48 bits`) };
  }
  let out = '';
  let v = value;
  while (v > 0) {
    const digit = v % 40;
    if (digit === 0) {
      return {
        ok: false,
        error: new CallsignError('bad_digit', `station id 0x${value.toString(16)} has an empty digit`),
      };
    }
    out += ALPHABET[digit];
    v = (v - digit) / 40;
  }
  return { ok: true, value: out };
}

export function decodeCallsign(value: number): string {
  const r = tryDecodeCallsign(value);
  if (!r.ok) throw r.error;
  return r.value;
}

export function isValidCallsign(input: string): boolean {
  return tryEncodeCallsign(input).ok;
}

/** Reads the 48-bit big-endian station id at `offset`. */
export function readStationId(buf: Uint8Array, offset = 0): number {
  return (
    buf[offset]! * 0x10000000000 +
    buf[offset + 1]! * 0x100000000 +
    ((buf[offset + 2]! << 24) >>> 0) +
    (buf[offset + 3]! << 16) +
    (buf[offset + 4]! << 8) +
    buf[offset + 5]!
  );
}

export function writeStationId(value: number, out: Uint8Array, offset = 0): void {
  let v = value;
  for (let i = 5; i >= 0; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
