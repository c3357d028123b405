/**
 * Mixing simultaneous talkers: a plain sum, clamped to the 16-bit range. Two loud
 * stations together clip (briefly, audibly) instead of wrapping around into a
 * full-scale crackle; there is no gain riding, so one talker alone sounds exactly as
 * decoded. Cost is one add per sample per talker.
 */

/** Sums `frames` (all the same length as `out`) into `out` with saturation; returns `out`. */
export function mixFrames(frames: readonly Int16Array[], out: Int16Array): Int16Array {
  const n = out.length;
  if (frames.length === 0) {
    out.fill(0);
    return out;
  }
  if (frames.length === 1) {
    out.set(frames[0]!.subarray(0, n));
    return out;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < frames.length; f++) s += frames[f]![i]!;
    out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
  }
  return out;
}

/** Root-mean-square level, 0 (silence) .. 1 (full-scale square wave). */
export function rmsLevel(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return Math.min(1, Math.sqrt(sum / pcm.length) / 32768);
}
