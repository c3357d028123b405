/**
 * Opening an audio back-end from a spec. Every failure to find or open a device
 * rejects with AudioDeviceError carrying a one-line message; nothing here can abort
 * the process (ALSA itself runs only in arecord/aplay children, see alsa.ts).
 */
import { AlsaCapture, AlsaPlayback, listAlsaDevices } from './alsa.js';
import { NoneCapture, NonePlayback } from './none.js';
import type { CaptureSource, PlaybackSink } from './types.js';
import { WavCapture } from './wav-capture.js';
import { WavSink } from './wav-sink.js';

export * from './types.js';
export { WavFormatError } from './wav-format.js';
export { FrameClock } from './frame-clock.js';
export { CapturePacer, type CaptureCounters } from './capture-pacer.js';
export { AlsaCapture, AlsaPlayback, probeCapture, probePlayback } from './alsa.js';
export { WavCapture } from './wav-capture.js';
export { WavSink } from './wav-sink.js';
export { NoneCapture, NonePlayback } from './none.js';

export type AudioInSpec = { kind: 'alsa'; device?: string } | { kind: 'wav'; file: string } | { kind: 'none' };
/** `wav` records what would be played into the file; `prefillMs`: see AlsaPlayback.open. */
export type AudioOutSpec =
  | { kind: 'alsa'; device?: string; prefillMs?: number }
  | { kind: 'wav'; file: string }
  | { kind: 'none' };

export async function openCapture(spec: AudioInSpec): Promise<CaptureSource> {
  switch (spec.kind) {
    case 'alsa':
      return AlsaCapture.open(spec.device);
    case 'wav':
      return WavCapture.open(spec.file);
    case 'none':
      return new NoneCapture();
  }
}

export async function openPlayback(spec: AudioOutSpec): Promise<PlaybackSink> {
  switch (spec.kind) {
    case 'alsa':
      return AlsaPlayback.open(spec.device, { prefillMs: spec.prefillMs });
    case 'wav':
      return WavSink.open(spec.file);
    case 'none':
      return new NonePlayback();
  }
}

/** ALSA PCM names usable as --audio-in-device / --audio-out-device. */
export function listAudioDevices(): Promise<{ inputs: string[]; outputs: string[] }> {
  return listAlsaDevices();
}
