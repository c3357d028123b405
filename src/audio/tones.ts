/**
 * The station's audible cues, generated in code at the output rate. Levels are
 * −12 dBFS, so a cue on top of spoken chat (peaks ≤ −6 dBFS, see speech/espeak.ts)
 * cannot clip; on top of loud received voice the mixer lowers the cue instead
 * (see headroom.ts).
 *
 * - chat cue: two 50 ms pips at 1600 Hz, 40 ms apart, when a chat line arrives;
 * - courtesy tone: one 150 ms beep at 1000 Hz when a received transmission ends
 *   and the channel is free (the repeater "courtesy beep" operators know).
 */
import { AUDIO_SAMPLE_RATE } from './types.js';

export const CUE_AMPLITUDE = 0.25;
export const CHAT_CUE_HZ = 1600;
export const COURTESY_TONE_HZ = 1000;
export const COURTESY_TONE_MS = 150;
const CHAT_PIP_MS = 50;
const CHAT_PIP_GAP_MS = 40;
/** Raised-cosine edges: an abrupt start or end would click. */
const RAMP_MS = 5;

/** A sine burst with soft edges; `amplitude` 0..1 of full scale. */
export function tone(freqHz: number, durationMs: number, amplitude = CUE_AMPLITUDE, rate = AUDIO_SAMPLE_RATE): Int16Array {
  const n = Math.round((durationMs * rate) / 1000);
  const ramp = Math.min(Math.floor(n / 2), Math.round((RAMP_MS * rate) / 1000));
  const peak = Math.max(0, Math.min(1, amplitude)) * 32767;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let env = 1;
    if (i < ramp) env = 0.5 - 0.5 * Math.cos((Math.PI * i) / ramp);
    else if (i >= n - ramp) env = 0.5 - 0.5 * Math.cos((Math.PI * (n - 1 - i)) / ramp);
    out[i] = Math.round(peak * env * Math.sin((2 * Math.PI * freqHz * i) / rate));
  }
  return out;
}

export function silence(durationMs: number, rate = AUDIO_SAMPLE_RATE): Int16Array {
  return new Int16Array(Math.round((durationMs * rate) / 1000));
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function chatCue(rate = AUDIO_SAMPLE_RATE): Int16Array {
  const pip = tone(CHAT_CUE_HZ, CHAT_PIP_MS, CUE_AMPLITUDE, rate);
  return concat([pip, silence(CHAT_PIP_GAP_MS, rate), pip]);
}

export function courtesyTone(rate = AUDIO_SAMPLE_RATE): Int16Array {
  return tone(COURTESY_TONE_HZ, COURTESY_TONE_MS, CUE_AMPLITUDE, rate);
}
