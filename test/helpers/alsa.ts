import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * capture yields silence at the real rate), so `arecord`, `aplay` and `mic`
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

/**
 * A temp HOME whose ALSA devices are files, paced in real time by the null device:
 * capturing from `default` or `opvmic` yields the samples of `wavFile` (48 kHz mono
 * s16, its header stripped) and then silence; playing into `opvspk` appends every
 * sample played to `played` (raw s16le); playing into `default` discards. The ALSA
 * `file` plugin with an `infile`: what the station's real arecord/aplay paths see is
 * exactly the fixture, so what comes out the far end can be checked by content.
 */
export function makeFileAlsaHome(wavFile: string): { home: string; played: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-alsafile-'));
  homes.push(dir);
  const raw = path.join(dir, 'capture.raw');
  const played = path.join(dir, 'played.raw');
  writeFileSync(raw, wavSamples(readFileSync(wavFile)));
  const mic = `{ type file slave.pcm null file "/dev/null" infile "${raw}" format raw }`;
  const home = makeHome('opv-alsa-', [`pcm.!default ${mic}`, `pcm.opvmic ${mic}`, `pcm.opvspk { type file slave.pcm null file "${played}" format raw }`, ''].join('\n'));
  return { home, played };
}

/** The bytes of a WAV file's data chunk. */
function wavSamples(wav: Buffer): Buffer {
  for (let at = 12; at + 8 <= wav.length; ) {
    const size = wav.readUInt32LE(at + 4);
    if (wav.toString('latin1', at, at + 4) === 'data') return wav.subarray(at + 8, Math.min(wav.length, at + 8 + size));
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in the WAV file');
}

/** A temp HOME whose default capture device records digital silence, as a muted microphone does. */
export function makeMutedMicHome(): string {
  return makeHome('opv-muted-', 'pcm.!default { type file slave.pcm null file "/dev/null" infile "/dev/zero" format raw }\n');
}
