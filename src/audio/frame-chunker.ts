/**
 * Re-chunks a byte stream of s16le samples (arecord's pipe delivers whatever sizes
 * the kernel hands over, sometimes splitting a sample) into exact 1920-sample frames.
 */
import { AUDIO_FRAME_SAMPLES } from './types.js';
import { samplesFromBytes } from './wav-format.js';

const FRAME_BYTES = AUDIO_FRAME_SAMPLES * 2;

export class FrameChunker {
  private readonly pending = Buffer.alloc(FRAME_BYTES);
  private filled = 0;

  constructor(private readonly onFrame: (pcm: Int16Array) => void) {}

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(FRAME_BYTES - this.filled, chunk.length - offset);
      this.pending.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === FRAME_BYTES) {
        this.filled = 0;
        this.onFrame(samplesFromBytes(this.pending));
      }
    }
  }

  /** Bytes waiting for the rest of their frame. */
  get buffered(): number {
    return this.filled;
  }
}
