import { cobsDecode } from './cobs.js';
import { kindForPort, IP_PROTO_UDP, type MessageKind } from './constants.js';
import { parseControl, type ControlWord } from './control.js';
import { parseIPv4, type IPv4Header } from './ipv4.js';
import { parseRtp, type RtpHeader } from './rtp.js';
import { parseUdp, type UdpHeader } from './udp.js';

interface MessageBase {
  ip: IPv4Header;
  udp: UdpHeader;
}

export type DecodedMessage =
  | (MessageBase & { kind: 'voice'; rtp: RtpHeader; opus: Uint8Array })
  | (MessageBase & { kind: 'text'; text: string })
  | (MessageBase & { kind: 'control'; text: string; control: ControlWord })
  | (MessageBase & { kind: 'data'; payload: Uint8Array });

export type DecodeFailure =
  | 'cobs'
  | 'ip_too_short'
  | 'ip_version'
  | 'ip_ihl'
  | 'ip_length'
  | 'ip_checksum'
  | 'ip_fragment'
  | 'not_udp'
  | 'udp_too_short'
  | 'udp_length'
  | 'udp_checksum'
  | 'rtp'
  | 'opus_size';

export type DecodeResult = { ok: true; message: DecodedMessage } | { ok: false; reason: DecodeFailure };

/** RFC 6716 §3.4: no Opus packet is longer. */
export const MAX_OPUS_PACKET = 1275;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A complete IPv4 packet → a typed message. Every check the sender's headers allow
 * is made (IP checksum, UDP checksum, lengths), so a message that decodes is one a
 * station really sent; hostile bytes come back as a reason, never as an exception.
 */
export function decodeIpPacket(packet: Uint8Array): DecodeResult {
  const ip = parseIPv4(packet);
  if (!ip.ok) return { ok: false, reason: `ip_${ip.reason}` as DecodeFailure };
  if (ip.header.protocol !== IP_PROTO_UDP) return { ok: false, reason: 'not_udp' };
  const udp = parseUdp(packet, 0, ip.payloadOffset, ip.payloadEnd);
  if (!udp.ok) return { ok: false, reason: `udp_${udp.reason}` as DecodeFailure };
  const base: MessageBase = { ip: ip.header, udp: udp.header };
  const kind: MessageKind = kindForPort(udp.header.destPort);
  const payload = packet.subarray(udp.payloadOffset, udp.payloadEnd);
  switch (kind) {
    case 'voice': {
      const rtp = parseRtp(packet, udp.payloadOffset, udp.payloadEnd);
      if (!rtp.ok) return { ok: false, reason: 'rtp' };
      const opus = packet.subarray(rtp.payloadOffset, udp.payloadEnd);
      // 80 bytes is what stations send; any legal Opus packet size is read, so a future
      // frame length at another station does not look like corruption.
      if (opus.length === 0 || opus.length > MAX_OPUS_PACKET) return { ok: false, reason: 'opus_size' };
      return { ok: true, message: { ...base, kind, rtp: rtp.header, opus } };
    }
    case 'text':
      return { ok: true, message: { ...base, kind, text: utf8.decode(payload) } };
    case 'control': {
      const text = utf8.decode(payload);
      return { ok: true, message: { ...base, kind, text, control: parseControl(text) } };
    }
    case 'data':
      return { ok: true, message: { ...base, kind, payload } };
  }
}

/** COBS-encoded bytes between two delimiters → a typed message. */
export function decodeEncodedMessage(encoded: Uint8Array): DecodeResult {
  const raw = cobsDecode(encoded);
  if (!raw.ok) return { ok: false, reason: 'cobs' };
  return decodeIpPacket(raw.data);
}
