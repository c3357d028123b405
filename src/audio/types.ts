/**
 * Audio back-ends behind one interface. All PCM is 48 kHz, mono, signed 16-bit,
 * in frames of 1920 samples (40 ms), the unit the Opus encoder and the playout
 * clock work in.
 */
import { OpvError } from '../errors.js';
import { SAMPLE_RATE, SAMPLES_PER_FRAME } from '../protocol/constants.js';
import type { CaptureCounters } from './capture-pacer.js';

// The audio names of the wire's figures (one definition, in protocol/constants.ts).
export const AUDIO_SAMPLE_RATE = SAMPLE_RATE;
export const AUDIO_FRAME_SAMPLES = SAMPLES_PER_FRAME;

/** A microphone: delivers 1920-sample frames while started. */
export interface CaptureSource {
  readonly name: string;
  /**
   * Begins delivering frames to `onFrame` at real-time pace. A finite source (a WAV
   * file) calls `onEnd` once when it runs out, then delivers nothing more.
   */
  start(onFrame: (pcm: Int16Array) => void, onEnd?: () => void): Promise<void>;
  /** Stops delivering; may be started again. */
  stop(): Promise<void>;
  close(): Promise<void>;
  /** A device's own delivery counters (ALSA: see capture-pacer.ts), when it keeps them. */
  readonly counters?: CaptureCounters;
}

/** A loudspeaker (or a recording of what would be played): accepts 1920-sample frames. */
export interface PlaybackSink {
  readonly name: string;
  write(pcm: Int16Array): void;
  close(): Promise<void>;
  /** Set by the owner: called once, with one line, if the device stops working after opening. */
  onFailure?: (why: string) => void;
}

/** Raised when a device is missing; the message is one line fit for the operator. */
export class AudioDeviceError extends OpvError {
  override readonly name = 'AudioDeviceError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_AUDIO_DEVICE', message, options);
  }
}
