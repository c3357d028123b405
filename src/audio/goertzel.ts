/**
 * How much of one frequency a stretch of audio holds (the Goertzel algorithm): a
 * single DFT bin, cheap enough to slide over a recording. Used to find cues by
 * their pitch in what a station played.
 */

/** Power of `freqHz` in `pcm`, normalised so a full-scale sine at that frequency gives about 0.25. */
export function goertzelPower(pcm: Int16Array, freqHz: number, rate: number): number {
  const n = pcm.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = pcm[i]! / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (n * n);
}

/** Share (0..1) of the window's energy that lies at `freqHz`: near 1 for a pure tone. */
export function toneShare(pcm: Int16Array, freqHz: number, rate: number): number {
  let energy = 0;
  for (let i = 0; i < pcm.length; i++) energy += (pcm[i]! / 32768) ** 2;
  if (energy === 0) return 0;
  // A sine of amplitude a: Goertzel power ≈ a²/4, energy per sample a²/2.
  return Math.min(1, (2 * goertzelPower(pcm, freqHz, rate)) / (energy / pcm.length));
}
