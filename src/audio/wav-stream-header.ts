/**
 * arecord (run by the `mic` package without `-t raw`) writes a WAV header before the
 * samples. Taken as audio it would be 22 samples of noise at the start of every
 * transmission, and it shifts every 40 ms frame by those 22 samples. This strips a
 * leading RIFF/WAVE header from a byte stream, whatever chunks it holds, and passes
 * everything after the `data` chunk header through; a stream that does not start with
 * `RIFF` passes through untouched.
 */

/** Chunks before `data` larger than this mean the stream is not what we think: pass it through. */
const MAX_HEADER_BYTES = 4096;

export class WavStreamHeader {
  private head: Buffer | null = Buffer.alloc(0);

  constructor(private readonly onData: (bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.head === null) {
      this.onData(chunk);
      return;
    }
    const buf = Buffer.concat([this.head, chunk]);
    if (buf.length < 12) {
      this.head = buf;
      return;
    }
    if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return this.release(buf, 0);
    for (let at = 12; at + 8 <= buf.length; ) {
      const id = buf.toString('latin1', at, at + 4);
      if (id === 'data') return this.release(buf, at + 8);
      at += 8 + buf.readUInt32LE(at + 4);
      if (at > MAX_HEADER_BYTES) return this.release(buf, 0);
    }
    this.head = buf; // the header continues in the next chunk
  }

  private release(buf: Buffer, from: number): void {
    this.head = null;
    if (from < buf.length) this.onData(buf.subarray(from));
  }
}
