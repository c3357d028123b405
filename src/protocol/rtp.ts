import { RTP_HEADER_SIZE, RTP_PAYLOAD_TYPE, RTP_VERSION, SAMPLES_PER_FRAME } from './constants.js';

export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export function writeRtpHeader(
  h: Pick<RtpHeader, 'marker' | 'sequence' | 'timestamp' | 'ssrc'> & { payloadType?: number },
  out: Uint8Array,
  offset = 0,
): void {
  out[offset] = RTP_VERSION << 6;
  out[offset + 1] = (h.marker ? 0x80 : 0) | ((h.payloadType ?? RTP_PAYLOAD_TYPE) & 0x7f);
  out[offset + 2] = (h.sequence >>> 8) & 0xff;
  out[offset + 3] = h.sequence & 0xff;
  writeU32(h.timestamp, out, offset + 4);
  writeU32(h.ssrc, out, offset + 8);
}

function writeU32(v: number, out: Uint8Array, o: number): void {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

export type RtpParseResult =
  | { ok: true; header: RtpHeader; payloadOffset: number }
  | { ok: false; reason: 'too_short' | 'version' };

export function parseRtp(buf: Uint8Array, offset: number, end: number): RtpParseResult {
  if (end - offset < RTP_HEADER_SIZE) return { ok: false, reason: 'too_short' };
  const b0 = buf[offset]!;
  const b1 = buf[offset + 1]!;
  const version = b0 >>> 6;
  if (version !== RTP_VERSION) return { ok: false, reason: 'version' };
  const csrcCount = b0 & 0x0f;
  const payloadOffset = offset + RTP_HEADER_SIZE + csrcCount * 4;
  if (payloadOffset > end) return { ok: false, reason: 'too_short' };
  return {
    ok: true,
    header: {
      version,
      padding: (b0 & 0x20) !== 0,
      extension: (b0 & 0x10) !== 0,
      csrcCount,
      marker: (b1 & 0x80) !== 0,
      payloadType: b1 & 0x7f,
      sequence: (buf[offset + 2]! << 8) | buf[offset + 3]!,
      timestamp: readU32(buf, offset + 4),
      ssrc: readU32(buf, offset + 8),
    },
    payloadOffset,
  };
}

/** A stable SSRC for a callsign (FNV-1a over its normalised text), so listeners can key on it. */
export function ssrcForCallsign(callsign: string): number {
  let h = 0x811c9dc5;
  for (const ch of callsign.trim().toUpperCase()) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The sender's RTP state for one station: sequence +1 and timestamp +1920 per packet,
 * marker on the first packet of each transmission. Initial values are injected so
 * tests are repeatable; real stations pass random ones as RFC 3550 asks.
 */
export class RtpStream {
  private sequence: number;
  private timestamp: number;
  private startOfTalkspurt = true;

  constructor(
    readonly ssrc: number,
    initialSequence: number,
    initialTimestamp: number,
  ) {
    this.sequence = initialSequence & 0xffff;
    this.timestamp = initialTimestamp >>> 0;
  }

  /** Call at PTT press: the next packet carries the marker bit. */
  beginTransmission(): void {
    this.startOfTalkspurt = true;
  }

  /** Writes the next header into `out` at `offset` and advances the stream. */
  writeNext(out: Uint8Array, offset = 0): RtpHeader {
    const header: RtpHeader = {
      version: RTP_VERSION,
      padding: false,
      extension: false,
      csrcCount: 0,
      marker: this.startOfTalkspurt,
      payloadType: RTP_PAYLOAD_TYPE,
      sequence: this.sequence,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
    };
    writeRtpHeader(header, out, offset);
    this.startOfTalkspurt = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    return header;
  }
}
