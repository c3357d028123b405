/** Signal measures for audio tests. */

/** Normalised cross-correlation of `a` with `b` delayed by `lag` samples, over their overlap. */
export function ncc(a: Int16Array, b: Int16Array, lag: number, length = Infinity): number {
  const n = Math.min(a.length, b.length - lag, length);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i + lag]!;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** The lag in [0, maxLag] where `b` best matches `a`, and that correlation. */
export function bestLag(a: Int16Array, b: Int16Array, maxLag: number, length = Infinity): { lag: number; corr: number } {
  let best = { lag: 0, corr: -1 };
  for (let lag = 0; lag <= maxLag; lag++) {
    const corr = ncc(a, b, lag, length);
    if (corr > best.corr) best = { lag, corr };
  }
  return best;
}

export function rms(pcm: Int16Array, from = 0, to = pcm.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += pcm[i]! * pcm[i]!;
  return to > from ? Math.sqrt(s / (to - from)) : 0;
}
