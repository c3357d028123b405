/**
 * A WAV file as the microphone: each start() plays the file from its beginning at
 * real-time pace (frame k is delivered once its last sample "has been spoken", i.e.
 * at start + (k + 1) × 40 ms, like a sound card; after a stall it goes on late, see
 * MAX_CATCH_UP_FRAMES), then calls onEnd. The last partial
 * frame is padded with silence. Frames are read from disk as they fall due, so a long
 * file costs no memory.
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { AUDIO_FRAME_SAMPLES, AudioDeviceError, type CaptureSource } from './types.js';
import { parseWavHeader, samplesFromBytes, WavFormatError, type WavLayout } from './wav-format.js';
import { FrameClock } from './frame-clock.js';
import { FRAME_INTERVAL_MS } from '../protocol/constants.js';

const FRAME_BYTES = AUDIO_FRAME_SAMPLES * 2;
/**
 * Frames a late clock delivers at once (80 ms of timer lateness, as the capture pacer
 * absorbs from a sound card). After a longer stall the file goes on late instead of in a
 * burst: a receiver drops a burst beyond its jitter bound, while late frames all play.
 */
const MAX_CATCH_UP_FRAMES = 2;
const HEADER_PROBE_BYTES = 64 * 1024;

export interface WavCaptureOptions {
  /** Monotonic ms clock for pacing (tests). */
  now?: () => number;
}

export class WavCapture implements CaptureSource {
  readonly name: string;
  private fd: number | null;
  private readonly layout: WavLayout;
  private readonly clock: FrameClock;
  private readonly scratch = Buffer.alloc(FRAME_BYTES);
  private position = 0;

  private constructor(file: string, fd: number, layout: WavLayout, opts: WavCaptureOptions) {
    this.name = `wav:${file}`;
    this.fd = fd;
    this.layout = layout;
    this.clock = new FrameClock({ intervalMs: FRAME_INTERVAL_MS, firstTick: 1, now: opts.now, maxCatchUp: MAX_CATCH_UP_FRAMES });
  }

  /** Opens and validates the file; a missing or wrong-format file rejects with AudioDeviceError. */
  static open(file: string, opts: WavCaptureOptions = {}): WavCapture {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw new AudioDeviceError(`cannot open audio input ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
      readSync(fd, head, 0, head.length, 0);
      const layout = parseWavHeader(head, size, file);
      return new WavCapture(file, fd, layout, opts);
    } catch (err) {
      closeSync(fd);
      if (err instanceof WavFormatError) throw new AudioDeviceError(err.message);
      throw err;
    }
  }

  /** Number of frames one start() delivers. */
  get frameCount(): number {
    return Math.ceil(this.layout.dataBytes / FRAME_BYTES);
  }

  async start(onFrame: (pcm: Int16Array) => void, onEnd?: () => void): Promise<void> {
    if (this.fd === null) throw new AudioDeviceError(`${this.name} is closed`);
    this.position = 0;
    this.clock.start(() => {
      const frame = this.readFrame();
      if (frame === null) {
        this.clock.stop();
        onEnd?.();
        return;
      }
      onFrame(frame);
    });
  }

  async stop(): Promise<void> {
    this.clock.stop();
  }

  async close(): Promise<void> {
    this.clock.stop();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readFrame(): Int16Array | null {
    if (this.fd === null) return null;
    const remaining = this.layout.dataBytes - this.position;
    if (remaining <= 0) return null;
    const want = Math.min(FRAME_BYTES, remaining);
    let got: number;
    try {
      got = readSync(this.fd, this.scratch, 0, want, this.layout.dataOffset + this.position);
    } catch {
      return null; // an unreadable file ends like an exhausted one
    }
    if (got <= 0) return null;
    this.position += got;
    const frame = new Int16Array(AUDIO_FRAME_SAMPLES);
    frame.set(samplesFromBytes(this.scratch.subarray(0, got - (got % 2))));
    return frame;
  }
}
