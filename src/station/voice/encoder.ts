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
 *   default): across the 7.3 s speech sample and silence every packet measured 80
 *   bytes. So we never pad in JavaScript; a packet of another size would be a
 *   libopus/binding change, and sending it would break the wire format, so it is
 *   refused with OpusPacketSizeError instead of being sent.
 */
import { OPUS_BITRATE, OPUS_PACKET_SIZE, SAMPLES_PER_FRAME, SAMPLE_RATE } from '../../protocol/index.js';
import { bytesFromSamples } from '../../audio/wav-format.js';
import { OPUS_APPLICATION_VOIP, OPUS_SET_APPLICATION, OPUS_SET_VBR, OpusCodec } from './opus-binding.js';

export class OpusPacketSizeError extends Error {
  override readonly name = 'OpusPacketSizeError';
}

export interface VoiceEncoderOptions {
  /** bit/s; the wire format fixes 16000 (→ 80-byte packets). */
  bitrate?: number;
}

export class VoiceEncoder {
  private readonly codec: OpusCodec;
  readonly packetSize: number;
  /** Frames encoded so far. */
  frames = 0;

  constructor(opts: VoiceEncoderOptions = {}) {
    const bitrate = opts.bitrate ?? OPUS_BITRATE;
    this.codec = new OpusCodec(SAMPLE_RATE, 1);
    this.codec.applyEncoderCTL(OPUS_SET_APPLICATION, OPUS_APPLICATION_VOIP);
    this.codec.setBitrate(bitrate);
    this.codec.applyEncoderCTL(OPUS_SET_VBR, 0);
    this.packetSize = (bitrate * (SAMPLES_PER_FRAME / SAMPLE_RATE)) / 8;
    if (bitrate === OPUS_BITRATE && this.packetSize !== OPUS_PACKET_SIZE) throw new Error('packet size arithmetic');
  }

  /** One 1920-sample frame → one packet of exactly `packetSize` (80) bytes. */
  encode(pcm: Int16Array): Uint8Array {
    if (pcm.length !== SAMPLES_PER_FRAME) {
      throw new RangeError(`VoiceEncoder.encode needs ${SAMPLES_PER_FRAME} samples, got ${pcm.length}`);
    }
    const packet = this.codec.encode(bytesFromSamples(pcm));
    if (packet.length !== this.packetSize) {
      throw new OpusPacketSizeError(`Opus produced a ${packet.length}-byte packet, expected ${this.packetSize}`);
    }
    this.frames++;
    return new Uint8Array(packet.buffer, packet.byteOffset, packet.length);
  }
}
