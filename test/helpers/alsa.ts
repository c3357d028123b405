import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A HOME whose ALSA default device is the null PCM, so `speaker` and `arecord` run
 * their real code paths on a machine without a sound card.
 */
export function makeNullAlsaHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), 'opv-alsa-'));
  writeFileSync(path.join(home, '.asoundrc'), 'pcm.!default { type null }\nctl.!default { type hw card 0 }\n');
  return home;
}

/** A HOME with no usable ALSA device at all (what a headless VM looks like). */
export function makeNoSoundHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), 'opv-nosound-'));
  writeFileSync(path.join(home, '.asoundrc'), 'pcm.!default { type hw card 7 }\n');
  return home;
}
