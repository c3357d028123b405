/**
 * Opus packet framing (RFC 6716 §3.2), enough to pad a packet to an exact size the
 * way libopus's opus_packet_pad() does: re-frame it as a code-3 packet whose padding
 * field makes up the difference. Decoders ignore padding, so the audio is unchanged.
 */

export interface OpusFrames {
  toc: number;
  frames: Uint8Array[];
}

/** Reads a frame length (1 or 2 bytes); returns [length, bytes used] or null. */
function readLength(p: Uint8Array, o: number): [number, number] | null {
  if (o >= p.length) return null;
  const b0 = p[o]!;
  if (b0 < 252) return [b0, 1];
  if (o + 1 >= p.length) return null;
  return [b0 + 4 * p[o + 1]!, 2];
}

function writeLength(len: number, out: number[]): void {
  if (len < 252) out.push(len);
  else {
    const first = 252 + (len & 3);
    out.push(first, (len - first) >> 2);
  }
}

/** Splits a packet into its frames; null when the framing is invalid. */
export function parseOpusFrames(p: Uint8Array): OpusFrames | null {
  if (p.length < 1) return null;
  const toc = p[0]!;
  const code = toc & 3;
  const body = p.subarray(1);
  if (code === 0) return { toc, frames: [body] };
  if (code === 1) {
    if (body.length % 2 !== 0) return null;
    const h = body.length / 2;
    return { toc, frames: [body.subarray(0, h), body.subarray(h)] };
  }
  if (code === 2) {
    const l = readLength(p, 1);
    if (l === null) return null;
    const start = 1 + l[1];
    if (start + l[0] > p.length) return null;
    return { toc, frames: [p.subarray(start, start + l[0]), p.subarray(start + l[0])] };
  }
  if (p.length < 2) return null;
  const ch = p[1]!;
  const count = ch & 0x3f;
  const vbr = (ch & 0x80) !== 0;
  const hasPadding = (ch & 0x40) !== 0;
  if (count === 0) return null;
  let o = 2;
  let padding = 0;
  if (hasPadding) {
    for (;;) {
      if (o >= p.length) return null;
      const b = p[o++]!;
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  const end = p.length - padding;
  if (end < o) return null;
  const sizes: number[] = [];
  if (vbr) {
    for (let i = 0; i < count - 1; i++) {
      const l = readLength(p, o);
      if (l === null) return null;
      sizes.push(l[0]);
      o += l[1];
    }
    const used = sizes.reduce((a, b) => a + b, 0);
    if (o + used > end) return null;
    sizes.push(end - o - used);
  } else {
    if ((end - o) % count !== 0) return null;
    for (let i = 0; i < count; i++) sizes.push((end - o) / count);
  }
  const frames: Uint8Array[] = [];
  for (const s of sizes) {
    frames.push(p.subarray(o, o + s));
    o += s;
  }
  return { toc, frames };
}

/**
 * The same audio as `packet`, exactly `size` bytes long (code 3 with padding), or
 * null if the packet is invalid or already longer than `size`.
 */
export function padOpusPacket(packet: Uint8Array, size: number): Uint8Array | null {
  if (packet.length === size) return packet;
  if (packet.length > size) return null;
  const parsed = parseOpusFrames(packet);
  if (parsed === null) return null;
  const { toc, frames } = parsed;
  const cbr = frames.every((f) => f.length === frames[0]!.length);
  const lengths: number[] = [];
  if (!cbr) for (const f of frames.slice(0, -1)) writeLength(f.length, lengths);
  const body = frames.reduce((a, f) => a + f.length, 0);
  const avail = size - 2 - lengths.length - body;
  if (avail < 0) return null;
  const header = [(toc & 0xfc) | 3, (cbr ? 0 : 0x80) | frames.length];
  if (avail > 0) {
    // k bytes of 255 (254 padding bytes each) and a final byte f: the padding field
    // plus the padding it announces take 255k + f + 1 bytes, which must equal avail.
    header[1]! |= 0x40;
    const k = Math.floor((avail - 1) / 255);
    for (let i = 0; i < k; i++) header.push(255);
    header.push(avail - 1 - 255 * k);
  }
  const out = new Uint8Array(size); // padding bytes stay zero
  out.set(header, 0);
  let o = header.length;
  out.set(lengths, o);
  o += lengths.length;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}
