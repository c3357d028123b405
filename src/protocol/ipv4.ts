import { formatIPv4Address, type IPv4Bytes } from './address.js';
import { onesComplementSum } from './checksum.js';
import { IP_PROTO_UDP, IP_TTL, IPV4_HEADER_SIZE } from './constants.js';

export interface IPv4Fields {
  tos: number;
  identification: number;
  /** 3-bit flags field; the reference always sets DF (2). */
  flags?: number;
  ttl?: number;
  protocol?: number;
  source: IPv4Bytes;
  destination: IPv4Bytes;
}

export interface IPv4Header {
  version: number;
  ihl: number;
  tos: number;
  totalLength: number;
  identification: number;
  flags: number;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  sourceIp: string;
  destIp: string;
}

/** Writes a 20-byte header with a valid checksum at `offset` of `out`. */
export function writeIPv4Header(f: IPv4Fields, totalLength: number, out: Uint8Array, offset = 0): void {
  const flags = f.flags ?? 2;
  out[offset] = 0x45;
  out[offset + 1] = f.tos & 0xff;
  out[offset + 2] = totalLength >>> 8;
  out[offset + 3] = totalLength & 0xff;
  out[offset + 4] = (f.identification >>> 8) & 0xff;
  out[offset + 5] = f.identification & 0xff;
  out[offset + 6] = (flags & 0x7) << 5;
  out[offset + 7] = 0;
  out[offset + 8] = f.ttl ?? IP_TTL;
  out[offset + 9] = f.protocol ?? IP_PROTO_UDP;
  out[offset + 10] = 0;
  out[offset + 11] = 0;
  for (let i = 0; i < 4; i++) {
    out[offset + 12 + i] = f.source[i]!;
    out[offset + 16 + i] = f.destination[i]!;
  }
  const sum = ~onesComplementSum(out, offset, offset + IPV4_HEADER_SIZE) & 0xffff;
  out[offset + 10] = sum >>> 8;
  out[offset + 11] = sum & 0xff;
}

export type IPv4ParseError = 'too_short' | 'version' | 'ihl' | 'length' | 'checksum' | 'fragment';

export type IPv4ParseResult =
  | { ok: true; header: IPv4Header; payloadOffset: number; payloadEnd: number }
  | { ok: false; reason: IPv4ParseError };

/** Parses and verifies an IPv4 packet that fills `packet` exactly (as OPV messages do). */
export function parseIPv4(packet: Uint8Array): IPv4ParseResult {
  if (packet.length < IPV4_HEADER_SIZE) return { ok: false, reason: 'too_short' };
  const version = packet[0]! >>> 4;
  const ihl = packet[0]! & 0x0f;
  if (version !== 4) return { ok: false, reason: 'version' };
  if (ihl < 5) return { ok: false, reason: 'ihl' };
  const headerLen = ihl * 4;
  const totalLength = (packet[2]! << 8) | packet[3]!;
  if (headerLen > packet.length || totalLength !== packet.length || totalLength < headerLen) {
    return { ok: false, reason: 'length' };
  }
  if (onesComplementSum(packet, 0, headerLen) !== 0xffff) return { ok: false, reason: 'checksum' };
  const flags = packet[6]! >>> 5;
  const fragmentOffset = ((packet[6]! & 0x1f) << 8) | packet[7]!;
  // More-fragments or a non-zero offset cannot be reassembled from one OPV message.
  if ((flags & 1) !== 0 || fragmentOffset !== 0) return { ok: false, reason: 'fragment' };
  return {
    ok: true,
    header: {
      version,
      ihl,
      tos: packet[1]!,
      totalLength,
      identification: (packet[4]! << 8) | packet[5]!,
      flags,
      fragmentOffset,
      ttl: packet[8]!,
      protocol: packet[9]!,
      checksum: (packet[10]! << 8) | packet[11]!,
      sourceIp: formatIPv4Address(packet, 12),
      destIp: formatIPv4Address(packet, 16),
    },
    payloadOffset: headerLen,
    payloadEnd: totalLength,
  };
}
