/**
 * Sample-rate conversion for material that is not made at the output rate (espeak-ng
 * speaks at 22 050 Hz; the station plays at 48 kHz). A windowed-sinc interpolator:
 * linear interpolation would leave audible images of the speech above 11 kHz.
 * For rational ratios with few phases (22 050 → 48 000 is 147/320) the filter is
 * tabulated once per phase, so the cost is one multiply-add per tap and sample.
 */

/** Taps on each side of the interpolation point. */
const HALF_TAPS = 16;
const MAX_TABLE_PHASES = 4096;

const tables = new Map<string, Float32Array>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Hann-windowed sinc, cut off at `fc` (fraction of the input Nyquist), at offset `x` input samples. */
function kernel(x: number, fc: number): number {
  if (Math.abs(x) >= HALF_TAPS) return 0;
  const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / HALF_TAPS);
  const s = x === 0 ? 1 : Math.sin(Math.PI * fc * x) / (Math.PI * fc * x);
  return fc * s * w;
}

/**
 * Converts mono 16-bit PCM from `fromRate` to `toRate`. The result has
 * round(n × toRate / fromRate) samples; sample j sits at input time j × fromRate / toRate.
 */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`bad sample rates ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return input.slice();
  const outLen = Math.round((input.length * toRate) / fromRate);
  const out = new Int16Array(outLen);
  // Downsampling must also remove what the output rate cannot carry.
  const fc = Math.min(1, toRate / fromRate);
  const g = gcd(fromRate, toRate);
  const phases = toRate / g;
  const step = fromRate / g; // input samples advanced per `phases` outputs
  const taps = 2 * HALF_TAPS;
  let table: Float32Array | undefined;
  if (phases <= MAX_TABLE_PHASES) {
    const key = `${fromRate}:${toRate}`;
    table = tables.get(key);
    if (table === undefined) {
      table = new Float32Array(phases * taps);
      for (let p = 0; p < phases; p++) {
        const frac = ((p * step) % phases) / phases;
        for (let k = 0; k < taps; k++) table[p * taps + k] = kernel(frac - (k - HALF_TAPS + 1), fc);
      }
      tables.set(key, table);
    }
  }
  const n = input.length;
  for (let j = 0; j < outLen; j++) {
    const base = Math.floor((j * step) / phases);
    const first = base - HALF_TAPS + 1;
    let acc = 0;
    if (table !== undefined) {
      const row = (j % phases) * taps;
      if (first >= 0 && first + taps <= n) {
        // Inside the signal (all but the first and last few samples): no bounds to check.
        for (let k = 0; k < taps; k++) acc += input[first + k]! * table[row + k]!;
      } else {
        for (let k = 0; k < taps; k++) {
          const i = first + k;
          if (i >= 0 && i < n) acc += input[i]! * table[row + k]!;
        }
      }
    } else {
      const t = (j * fromRate) / toRate;
      for (let k = 0; k < taps; k++) {
        const i = first + k;
        if (i >= 0 && i < n) acc += input[i]! * kernel(t - i, fc);
      }
    }
    const v = Math.round(acc);
    out[j] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
