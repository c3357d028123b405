/** Finding cues and speech in what a station played (speech e2e tests). */
import { spawnSync } from 'node:child_process';
import { toneShare } from '../../../src/audio/goertzel.js';
import { CHAT_CUE_HZ, COURTESY_TONE_HZ } from '../../../src/audio/tones.js';

export const RATE = 48000;
/** Classification window: 5 ms. */
export const WIN = 240;

/**
 * espeak-ng's own rendering of `text` (text on stdin, like the station does):
 * total length and first/last sample above `threshold`, in seconds.
 */
export function espeakReference(text: string, threshold = 100): { total: number; first: number; last: number } {
  const r = spawnSync('espeak-ng', ['--stdout', '-b', '1'], { input: text });
  if (r.status !== 0) throw new Error(`espeak-ng failed: ${r.stderr.toString()}`);
  // espeak-ng's WAV header is the canonical 44 bytes.
  const pcm = new Int16Array(r.stdout.buffer.slice(r.stdout.byteOffset + 44, r.stdout.byteOffset + r.stdout.length - (r.stdout.length % 2)));
  let first = -1;
  let last = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]!) > threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return { total: pcm.length / 22050, first: first / 22050, last: (last + 1) / 22050 };
}

export type WindowKind = 'silence' | 'courtesy' | 'chat-cue' | 'other';

/** What a 5 ms window holds: nothing, one of the cues (by pitch), or something else (speech, voice). */
export function classify(pcm: Int16Array, threshold = 50): WindowKind {
  let loud = false;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]!) > threshold) loud = true;
  if (!loud) return 'silence';
  if (toneShare(pcm, COURTESY_TONE_HZ, RATE) > 0.6) return 'courtesy';
  if (toneShare(pcm, CHAT_CUE_HZ, RATE) > 0.6) return 'chat-cue';
  return 'other';
}

/**
 * Start of the first run of `minRun` windows of kind `kind` at or after `from` (and
 * before `to`), or -1. A window that straddles a tone's edge is half silence and no
 * longer a clean tone, so "speech" is only believed when it lasts (minRun ≥ 4).
 */
export function findWindow(pcm: Int16Array, kind: WindowKind, from: number, to = pcm.length, minRun = 1, threshold = 50): number {
  let run = 0;
  for (let at = from; at + WIN <= to; at += WIN) {
    run = classify(pcm.subarray(at, at + WIN), threshold) === kind ? run + 1 : 0;
    if (run >= minRun) return at - (minRun - 1) * WIN;
  }
  return -1;
}

/** First sample at or after `from` above `threshold`, or -1. */
export function firstAbove(pcm: Int16Array, from: number, threshold: number, to = pcm.length): number {
  for (let i = from; i < to; i++) if (Math.abs(pcm[i]!) > threshold) return i;
  return -1;
}

/** Last sample before `to` (and at or after `from`) above `threshold`, or -1. */
export function lastAbove(pcm: Int16Array, from: number, to: number, threshold: number): number {
  for (let i = to - 1; i >= from; i--) if (Math.abs(pcm[i]!) > threshold) return i;
  return -1;
}
