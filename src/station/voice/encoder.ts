/**
 * Opus encoder for the air interface: 48 kHz mono, 40 ms frames, 16 kbit/s constant
 * bitrate, VOIP application → every packet is exactly 80 bytes (PROTOCOL.md §3).
 *
 * Findings that shaped this file:
 * - The binding creates its encoder with OPUS_APPLICATION_AUDIO and has no
 *   constructor option for it, but libopus accepts OPUS_SET_APPLICATION until the
 *   first frame is encoded, so the constructor switches to VOIP before any encode.
 * - With VBR off, libopus itself pads every packet to the CBR budget
 *   (bitrate × 40 ms / 8 = 80 bytes), including digital silence (DTX is off by
 *   default): across the 7.3 s speech sample, silence, square waves and noise every
 *   packet measured 80 bytes. Should a future libopus/binding return a shorter
 *   packet anyway, it is padded here exactly as libopus would (opus_packet_pad:
 *   code-3 framing with a padding field — same audio, counted in `padded`). The
 *   reference stack sends what the encoder gives; we guarantee the wire size. A
 *   longer packet cannot occur in CBR (the budget caps it) and would be a bug:
 *   OpusPacketSizeError, never a packet of another size on the air.
 */
import { OPUS_BITRATE, OPUS_PACKET_SIZE, SAMPLES_PER_FRAME, SAMPLE_RATE } from '../../protocol/index.js';
import { bytesFromSamples } from '../../audio/wav-format.js';
import { padOpusPacket } from './opus-packet.js';
import { OPUS_APPLICATION_VOIP, OPUS_SET_APPLICATION, OPUS_SET_COMPLEXITY, OPUS_SET_VBR, OpusCodec } from './opus-binding.js';
import { OpvError } from '../../errors.js';

export class OpusPacketSizeError extends OpvError {
  override readonly name = 'OpusPacketSizeError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_OPUS_PACKET_SIZE', message, options);
  }
}

export interface VoiceEncoderOptions {
  /** bit/s; the wire format fixes 16000 (→ 80-byte packets). */
  bitrate?: number;
  /**
   * libopus complexity 0–10 (default 10, libopus's own default). bench:voice
   * measured 5 at about half the CPU of 10 with the same correlation to the
   * original speech: worth it on a small Pi.
   */
  complexity?: number;
}

export class VoiceEncoder {
  private readonly codec: OpusCodec;
  readonly packetSize: number;
  /** Frames encoded so far. */
  frames = 0;
  /** Packets libopus returned short that were padded to the wire size (expected: 0). */
  padded = 0;

  constructor(opts: VoiceEncoderOptions = {}) {
    const bitrate = opts.bitrate ?? OPUS_BITRATE;
    this.codec = new OpusCodec(SAMPLE_RATE, 1);
    this.codec.applyEncoderCTL(OPUS_SET_APPLICATION, OPUS_APPLICATION_VOIP);
    this.codec.setBitrate(bitrate);
    this.codec.applyEncoderCTL(OPUS_SET_VBR, 0);
    if (opts.complexity !== undefined) {
      this.codec.applyEncoderCTL(OPUS_SET_COMPLEXITY, Math.max(0, Math.min(10, Math.round(opts.complexity))));
    }
    this.packetSize = (bitrate * (SAMPLES_PER_FRAME / SAMPLE_RATE)) / 8;
    if (bitrate === OPUS_BITRATE && this.packetSize !== OPUS_PACKET_SIZE) throw new Error('packet size arithmetic');
  }

  /** One 1920-sample frame → one packet of exactly `packetSize` (80) bytes. */
  encode(pcm: Int16Array): Uint8Array {
    if (pcm.length !== SAMPLES_PER_FRAME) {
      throw new RangeError(`VoiceEncoder.encode needs ${SAMPLES_PER_FRAME} samples, got ${pcm.length}`);
    }
    const raw = this.codec.encode(bytesFromSamples(pcm));
    let packet: Uint8Array | null = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    if (packet.length < this.packetSize) {
      packet = padOpusPacket(packet, this.packetSize);
      this.padded++;
    }
    if (packet === null || packet.length !== this.packetSize) {
      throw new OpusPacketSizeError(`Opus produced a ${raw.length}-byte packet, expected ${this.packetSize}`);
    }
    this.frames++;
    return packet;
  }
}
