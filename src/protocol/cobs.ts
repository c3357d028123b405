/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker). Encoded output never
 * contains 0x00, so 0x00 can delimit messages in the frame payload stream.
 * These functions do not add or expect the trailing delimiter.
 */

export function cobsMaxEncodedLength(n: number): number {
  // One code byte per started block, plus a final code byte after a full 254-byte block.
  return n + 1 + Math.floor(n / 254);
}

export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length));
  const n = cobsEncodeInto(data, out, 0);
  return out.subarray(0, n);
}

/** Encodes into `out` at `offset`; returns the number of bytes written. */
export function cobsEncodeInto(data: Uint8Array, out: Uint8Array, offset: number): number {
  let codeIndex = offset;
  let write = offset + 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0) {
      out[codeIndex] = code;
      codeIndex = write++;
      code = 1;
    } else {
      out[write++] = b;
      code++;
      if (code === 0xff) {
        out[codeIndex] = code;
        codeIndex = write++;
        code = 1;
      }
    }
  }
  out[codeIndex] = code;
  return write - offset;
}

export type CobsResult = { ok: true; data: Uint8Array } | { ok: false; reason: 'zero_byte' | 'truncated' };

export function cobsDecode(encoded: Uint8Array): CobsResult {
  const out = new Uint8Array(encoded.length);
  let read = 0;
  let write = 0;
  while (read < encoded.length) {
    const code = encoded[read]!;
    if (code === 0) return { ok: false, reason: 'zero_byte' };
    if (read + code > encoded.length) return { ok: false, reason: 'truncated' };
    read++;
    for (let i = 1; i < code; i++) {
      const b = encoded[read++]!;
      if (b === 0) return { ok: false, reason: 'zero_byte' };
      out[write++] = b;
    }
    if (code !== 0xff && read < encoded.length) out[write++] = 0;
  }
  return { ok: true, data: out.subarray(0, write) };
}
