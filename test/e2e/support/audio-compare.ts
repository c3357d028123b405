/** Measuring what a station recorded against what was sent. */

/** First and last sample above `threshold` (the receiver writes exact silence between talkspurts). */
export function activeSpan(pcm: Int16Array, threshold = 0): { start: number; end: number } | null {
  let start = -1;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]!) > threshold) {
    start = i;
    break;
  }
  if (start < 0) return null;
  let end = pcm.length - 1;
  while (end > start && Math.abs(pcm[end]!) <= threshold) end--;
  return { start, end: end + 1 };
}

/** Normalised correlation of `a` and `b` over their common length. */
export function correlation(a: Int16Array, b: Int16Array): number {
  const n = Math.min(a.length, b.length);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Best correlation of `ref` against `rec` for start offsets around `at` (± `search` samples). */
export function bestAlignment(rec: Int16Array, ref: Int16Array, at: number, search: number): { offset: number; r: number } {
  let best = { offset: at, r: -1 };
  for (let off = Math.max(0, at - search); off <= at + search; off += 8) {
    const r = correlation(rec.subarray(off, off + ref.length), ref);
    if (r > best.r) best = { offset: off, r };
  }
  for (let off = Math.max(0, best.offset - 8); off <= best.offset + 8; off++) {
    const r = correlation(rec.subarray(off, off + ref.length), ref);
    if (r > best.r) best = { offset: off, r };
  }
  return best;
}
