/**
 * Ogg Opus encapsulation (RFC 7845 over RFC 3533), pure bytes: an OpusHead page, an
 * OpusTags page, then audio pages of up to one second of 40 ms packets each, with
 * granule positions counting 48 kHz samples and the Ogg CRC-32 on every page.
 */

import { SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../protocol/constants.js';

/** Samples the decoder must drop at the start: libopus's encoder look-ahead at 48 kHz. */
export const OPUS_PRE_SKIP = 312;
const PACKETS_PER_PAGE = 25;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0. */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

interface PageSpec {
  packets: Uint8Array[];
  granule: bigint;
  serial: number;
  sequence: number;
  bos: boolean;
  eos: boolean;
}

function oggPage(p: PageSpec): Uint8Array {
  const lacing: number[] = [];
  for (const pkt of p.packets) {
    let n = pkt.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  if (lacing.length > 255) throw new RangeError('too many segments for one Ogg page');
  const bodyLength = p.packets.reduce((a, b) => a + b.length, 0);
  const page = new Uint8Array(27 + lacing.length + bodyLength);
  const view = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53], 0); // "OggS"
  page[4] = 0; // version
  page[5] = (p.bos ? 0x02 : 0) | (p.eos ? 0x04 : 0);
  view.setBigInt64(6, p.granule, true);
  view.setUint32(14, p.serial >>> 0, true);
  view.setUint32(18, p.sequence, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  let o = 27 + lacing.length;
  for (const pkt of p.packets) {
    page.set(pkt, o);
    o += pkt.length;
  }
  view.setUint32(22, oggCrc(page), true);
  return page;
}

function opusHead(preSkip: number): Uint8Array {
  const h = new Uint8Array(19);
  const v = new DataView(h.buffer);
  h.set(new TextEncoder().encode('OpusHead'), 0);
  h[8] = 1; // version
  h[9] = 1; // channels
  v.setUint16(10, preSkip, true);
  v.setUint32(12, SAMPLE_RATE, true); // original input rate
  v.setInt16(16, 0, true); // output gain
  h[18] = 0; // channel mapping family 0 (mono/stereo)
  return h;
}

function opusTags(vendor: string, comments: string[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode('OpusTags')];
  const u32 = (n: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  const v = enc.encode(vendor);
  parts.push(u32(v.length), v, u32(comments.length));
  for (const c of comments) {
    const b = enc.encode(c);
    parts.push(u32(b.length), b);
  }
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface OggOpusOptions {
  /** Ogg logical stream serial number (default: derived from the packets). */
  serial?: number;
  /** Vorbis-comment style "KEY=value" tags. */
  comments?: string[];
  /** 48 kHz samples per packet (default 1920). */
  samplesPerPacket?: number;
}

/** A complete Ogg Opus file for a sequence of Opus packets (at least one). */
export function buildOggOpus(packets: Uint8Array[], opts: OggOpusOptions = {}): Uint8Array {
  // Serial 0 is legal but trips some tools.
  const serial = opts.serial ?? (((oggCrc(packets[0] ?? new Uint8Array(1)) ^ packets.length) >>> 0) || 1);
  const perPacket = opts.samplesPerPacket ?? SAMPLES_PER_FRAME;
  const pages: Uint8Array[] = [];
  let sequence = 0;
  pages.push(oggPage({ packets: [opusHead(OPUS_PRE_SKIP)], granule: 0n, serial, sequence: sequence++, bos: true, eos: false }));
  const tagsEos = packets.length === 0;
  pages.push(
    oggPage({ packets: [opusTags('opv', opts.comments ?? [])], granule: 0n, serial, sequence: sequence++, bos: false, eos: tagsEos }),
  );
  for (let i = 0; i < packets.length; i += PACKETS_PER_PAGE) {
    const chunk = packets.slice(i, i + PACKETS_PER_PAGE);
    const end = i + chunk.length;
    pages.push(
      oggPage({
        packets: chunk,
        granule: BigInt(end * perPacket),
        serial,
        sequence: sequence++,
        bos: false,
        eos: end === packets.length,
      }),
    );
  }
  const out = new Uint8Array(pages.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of pages) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
