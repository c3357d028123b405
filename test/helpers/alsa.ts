import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onExit } from './cleanup.js';

const homes: string[] = [];
let exitHook = false;

function makeHome(prefix: string, asoundrc: string): string {
  const home = mkdtempSync(path.join(tmpdir(), prefix));
  writeFileSync(path.join(home, '.asoundrc'), asoundrc);
  homes.push(home);
  if (!exitHook) {
    exitHook = true;
    onExit(() => {
      for (const h of homes) rmSync(h, { recursive: true, force: true });
    });
  }
  return home;
}

/**
 * A temp HOME whose ALSA default PCM is the null device (playback swallows samples,
 * capture yields silence at the real rate), so `arecord`, `aplay`, `mic` and `speaker`
 * run their real code paths on a machine without a sound card. No control device is
 * configured: there is no card 0 to point one at. Removed at process exit.
 */
export function makeNullAlsaHome(): string {
  return makeHome('opv-alsa-', 'pcm.!default { type null }\n');
}

/** A temp HOME with no usable ALSA device at all (what a headless VM looks like). */
export function makeNoSoundHome(): string {
  return makeHome('opv-nosound-', 'pcm.!default { type hw card 7 }\n');
}

/** process.env with HOME pointing at `home` (as from makeNullAlsaHome), for child processes. */
export function alsaEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
}
