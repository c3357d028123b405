import { onesComplementSum } from './checksum.js';
import { IP_PROTO_UDP, UDP_HEADER_SIZE } from './constants.js';

export interface UdpHeader {
  sourcePort: number;
  destPort: number;
  length: number;
  checksum: number;
}

function pseudoHeaderSum(packet: Uint8Array, ipOffset: number, udpLength: number): number {
  // Source and destination addresses sit at IPv4 header offsets 12..19.
  let sum = onesComplementSum(packet, ipOffset + 12, ipOffset + 20);
  sum += IP_PROTO_UDP + udpLength;
  return sum;
}

/**
 * Writes the UDP header at `udpOffset` for the payload that follows it, with the
 * RFC 768 checksum over the pseudo-header taken from the IPv4 header at `ipOffset`.
 */
export function writeUdpHeader(
  packet: Uint8Array,
  ipOffset: number,
  udpOffset: number,
  sourcePort: number,
  destPort: number,
  udpLength: number,
): void {
  packet[udpOffset] = sourcePort >>> 8;
  packet[udpOffset + 1] = sourcePort & 0xff;
  packet[udpOffset + 2] = destPort >>> 8;
  packet[udpOffset + 3] = destPort & 0xff;
  packet[udpOffset + 4] = udpLength >>> 8;
  packet[udpOffset + 5] = udpLength & 0xff;
  packet[udpOffset + 6] = 0;
  packet[udpOffset + 7] = 0;
  const sum = onesComplementSum(packet, udpOffset, udpOffset + udpLength, pseudoHeaderSum(packet, ipOffset, udpLength));
  let checksum = ~sum & 0xffff;
  if (checksum === 0) checksum = 0xffff; // 0 means "no checksum" in UDP
  packet[udpOffset + 6] = checksum >>> 8;
  packet[udpOffset + 7] = checksum & 0xff;
}

export type UdpParseResult =
  | { ok: true; header: UdpHeader; payloadOffset: number; payloadEnd: number }
  | { ok: false; reason: 'too_short' | 'length' | 'checksum' };

/** Parses and verifies the UDP datagram at `udpOffset..end` inside an IPv4 packet. */
export function parseUdp(packet: Uint8Array, ipOffset: number, udpOffset: number, end: number): UdpParseResult {
  if (end - udpOffset < UDP_HEADER_SIZE) return { ok: false, reason: 'too_short' };
  const length = (packet[udpOffset + 4]! << 8) | packet[udpOffset + 5]!;
  if (length !== end - udpOffset) return { ok: false, reason: 'length' };
  const checksum = (packet[udpOffset + 6]! << 8) | packet[udpOffset + 7]!;
  if (checksum !== 0) {
    const sum = onesComplementSum(packet, udpOffset, end, pseudoHeaderSum(packet, ipOffset, length));
    if (sum !== 0xffff) return { ok: false, reason: 'checksum' };
  }
  return {
    ok: true,
    header: {
      sourcePort: (packet[udpOffset]! << 8) | packet[udpOffset + 1]!,
      destPort: (packet[udpOffset + 2]! << 8) | packet[udpOffset + 3]!,
      length,
      checksum,
    },
    payloadOffset: udpOffset + UDP_HEADER_SIZE,
    payloadEnd: end,
  };
}
