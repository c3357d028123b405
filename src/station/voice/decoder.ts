/**
 * One remote station's Opus decoder, always yielding 1920-sample (40 ms) frames.
 *
 * Loss concealment: the binding's decode() has no "lost packet" entry point, and
 * decoding an empty buffer makes libopus conceal MAX_FRAME_SIZE (120 ms) at once,
 * which would push the decoder's state 80 ms ahead of the stream. Instead we hand
 * libopus a 2-byte code-3 packet (RFC 6716 §3.2.5): the TOC of the last good packet
 * and a frame count covering 40 ms, every frame zero bytes long. libopus treats
 * zero-length frames as lost and runs its own PLC for exactly 40 ms — real Opus
 * concealment (pitch-continued, fading), not a repeated or faded copy made here.
 *
 * Hostile packets are values: a packet libopus rejects is concealed and counted in
 * `corrupt`; a packet of another duration is cut or padded to 40 ms and counted in
 * `misfit`.
 */
import { OPUS_TOC, SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../protocol/index.js';
import { samplesFromBytes } from '../../audio/wav-format.js';
import { OpusCodec, samplesPerOpusFrame } from './opus-binding.js';

export class VoiceDecoder {
  private readonly codec = new OpusCodec(SAMPLE_RATE, 1);
  private lastToc = -1;
  decoded = 0;
  concealed = 0;
  corrupt = 0;
  misfit = 0;

  /** Decodes one packet to 1920 samples. */
  decode(packet: Uint8Array): Int16Array {
    let pcm: Buffer;
    try {
      pcm = this.codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    } catch {
      this.corrupt++;
      return this.conceal();
    }
    this.decoded++;
    this.lastToc = packet[0]!;
    return this.toFrame(pcm);
  }

  /** 40 ms of concealment for a packet that never came (silence before the first packet). */
  conceal(): Int16Array {
    this.concealed++;
    if (this.lastToc < 0) return new Int16Array(SAMPLES_PER_FRAME);
    let toc = this.lastToc;
    let count = SAMPLES_PER_FRAME / samplesPerOpusFrame(toc);
    if (!Number.isInteger(count) || count < 1) {
      toc = OPUS_TOC;
      count = 2;
    }
    try {
      return this.toFrame(this.codec.decode(Buffer.from([toc | 0x03, count])));
    } catch {
      return new Int16Array(SAMPLES_PER_FRAME);
    }
  }

  private toFrame(bytes: Buffer): Int16Array {
    const samples = samplesFromBytes(bytes);
    if (samples.length === SAMPLES_PER_FRAME) return samples;
    this.misfit++;
    const frame = new Int16Array(SAMPLES_PER_FRAME);
    frame.set(samples.subarray(0, SAMPLES_PER_FRAME));
    return frame;
  }
}
