/**
 * One source of truth for the numbers the Opulent Voice wire format fixes.
 * Everything else imports these rather than repeating literals.
 */

export const FRAME_SIZE = 134;
export const HEADER_SIZE = 12;
export const PAYLOAD_SIZE = FRAME_SIZE - HEADER_SIZE; // 122

/** Fixed token at header offset 6 in this protocol version. */
export const TOKEN = Object.freeze([0xbb, 0xaa, 0xdd] as const);

/** UDP port of the conference server and of stations. */
export const DEFAULT_SERVER_PORT = 57372;

/** UDP destination ports inside the COBS stream say what a message is. */
export const PORT_VOICE = 57373;
export const PORT_TEXT = 57374;
export const PORT_CONTROL = 57375;
/** Default destination port of a data message (data has no fixed port). */
export const PORT_DATA_DEFAULT = 57376;

export type MessageKind = 'voice' | 'text' | 'control' | 'data';

export function kindForPort(port: number): MessageKind {
  switch (port) {
    case PORT_VOICE:
      return 'voice';
    case PORT_TEXT:
      return 'text';
    case PORT_CONTROL:
      return 'control';
    default:
      return 'data';
  }
}

/** Destination port for a kind; data has no fixed port, callers choose one. */
export function portForKind(kind: Exclude<MessageKind, 'data'>): number {
  return kind === 'voice' ? PORT_VOICE : kind === 'text' ? PORT_TEXT : PORT_CONTROL;
}

/** 40 ms frames on a 48 kHz clock. */
export const FRAME_INTERVAL_MS = 40;
export const SAMPLE_RATE = 48000;
export const SAMPLES_PER_FRAME = 1920;
export const OPUS_BITRATE = 16000;
export const OPUS_PACKET_SIZE = 80;
/**
 * TOC byte (RFC 6716 §3.1) of the Opus packets opv sends at 16 kbit/s VOIP: hybrid,
 * fullband, 20 ms frames, code 3 (two frames per 40 ms packet). Also what the decoder
 * conceals with when it has seen no packet of a station yet.
 */
export const OPUS_TOC = 0x7b;

/**
 * Voice silence after which a transmission is over although its PTT_STOP never came
 * (PROTOCOL.md §5): the relay's talking state, the station's playout and its history
 * all use this one figure. 1 s is well past the jitter buffer's deepest target
 * (8 frames, 320 ms), so network jitter does not split a transmission, and short
 * enough that a lost stop shows at once.
 */
export const PTT_STOP_LOST_MS = 1000;
/** PTT_STOP_LOST_MS in 40 ms frames (25). */
export const PTT_STOP_LOST_FRAMES = PTT_STOP_LOST_MS / FRAME_INTERVAL_MS;

export const RTP_HEADER_SIZE = 12;
export const RTP_VERSION = 2;
export const RTP_PAYLOAD_TYPE = 96;

export const IPV4_HEADER_SIZE = 20;
export const UDP_HEADER_SIZE = 8;
export const IP_TTL = 64;
export const IP_PROTO_UDP = 17;
/** DSCP CS6 ("network control"): the reference marks control messages with it. */
export const TOS_CONTROL = 0xc0;
export const TOS_DEFAULT = 0x00;

/** A reassembly buffer that grows past this without a delimiter is garbage. */
export const MAX_REASSEMBLY_BYTES = 64 * 1024;

/** IP + UDP + RTP + Opus: one voice message before COBS. */
export const VOICE_MESSAGE_SIZE = IPV4_HEADER_SIZE + UDP_HEADER_SIZE + RTP_HEADER_SIZE + OPUS_PACKET_SIZE;
