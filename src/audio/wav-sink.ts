/**
 * Playback into a WAV file: records exactly the frames the station plays, in order,
 * as they are played. Each frame goes straight to disk (a synchronous append of
 * 3.8 KB every 40 ms costs microseconds and keeps order trivially). The header is
 * patched once a second and on close, so even a killed station leaves a readable file.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { AudioDeviceError, type PlaybackSink } from './types.js';
import { bytesFromSamples, wavHeader, WAV_HEADER_SIZE } from './wav-format.js';

const PATCH_EVERY_FRAMES = 25;

export class WavSink implements PlaybackSink {
  readonly name: string;
  private fd: number | null;
  private dataBytes = 0;
  private framesSincePatch = 0;
  /** Frames written so far. */
  frames = 0;
  /** Set (one line) when writing failed; the file then holds what was written before. */
  error: string | null = null;

  private constructor(file: string, fd: number) {
    this.name = `wav:${file}`;
    this.fd = fd;
  }

  static open(file: string): WavSink {
    let fd: number;
    try {
      fd = openSync(file, 'w');
      writeSync(fd, wavHeader(0), 0, WAV_HEADER_SIZE, 0);
    } catch (err) {
      throw new AudioDeviceError(`cannot write audio output ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return new WavSink(file, fd);
  }

  write(pcm: Int16Array): void {
    if (this.fd === null || this.error !== null) return;
    const bytes = bytesFromSamples(pcm);
    try {
      writeSync(this.fd, bytes, 0, bytes.length, WAV_HEADER_SIZE + this.dataBytes);
      this.dataBytes += bytes.length;
      this.frames++;
      if (++this.framesSincePatch >= PATCH_EVERY_FRAMES) this.patchHeader();
    } catch (err) {
      // Disk full or the like: keep what was recorded, stop recording, never throw
      // into the playout clock.
      this.error = `recording to ${this.name.slice(4)} stopped: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    try {
      this.patchHeader();
    } catch {
      // The header keeps its last patched size; readers trust the file length anyway.
    }
    closeSync(this.fd);
    this.fd = null;
  }

  private patchHeader(): void {
    if (this.fd === null) return;
    this.framesSincePatch = 0;
    writeSync(this.fd, wavHeader(this.dataBytes), 0, WAV_HEADER_SIZE, 0);
  }
}
