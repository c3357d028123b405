/**
 * Adding announcements (cues, spoken chat) on top of what is already in a frame
 * without clipping it: the added frame is scaled down, for this frame only, just
 * enough that the sum stays inside 16 bits. Received voice is never altered; a cue
 * over a loud talker simply comes out quieter.
 */

export function peak(pcm: Int16Array): number {
  let p = 0;
  for (let i = 0; i < pcm.length; i++) {
    const a = Math.abs(pcm[i]!);
    if (a > p) p = a;
  }
  return p;
}

/** mix += extra (same length), scaled so no sample exceeds the 16-bit range. Returns the gain used. */
export function addWithHeadroom(mix: Int16Array, extra: Int16Array): number {
  const pe = peak(extra);
  if (pe === 0) return 1;
  let gain = 1;
  for (let i = 0; i < mix.length; i++) {
    const m = mix[i]!;
    const e = extra[i]!;
    const s = m + e;
    // Only samples where the two push the same way can overflow.
    if (s > 32767) gain = Math.min(gain, (32767 - m) / e);
    else if (s < -32768) gain = Math.min(gain, (-32768 - m) / e);
  }
  for (let i = 0; i < mix.length; i++) {
    const v = mix[i]! + Math.trunc(extra[i]! * gain);
    mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return gain;
}
