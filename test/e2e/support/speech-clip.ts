import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLES_PER_FRAME } from '../../../src/protocol/index.js';
import { readWav, writeWav } from '../../../src/station/voice/files.js';
import { onExit } from '../../helpers/cleanup.js';
import { speechWav } from '../../helpers/paths.js';

/**
 * The first seconds of the speech fixture as a WAV of its own, for tests that need real
 * speech on the air but not all 7.3 s of it: a transmission plays in real time, so every
 * second of microphone file is a second of test. Made once per test process.
 */
export const CLIP_S = 2.4;

/** Voice frames a clip of `seconds` goes out as (40 ms each; a part frame is padded). */
export function clipFrames(seconds = CLIP_S): number {
  return Math.ceil((seconds * 48_000) / SAMPLES_PER_FRAME);
}

const made = new Map<number, Promise<string>>();
let dir: string | null = null;

export function speechClip(seconds = CLIP_S): Promise<string> {
  let p = made.get(seconds);
  if (!p) {
    p = (async () => {
      if (dir === null) {
        const d = mkdtempSync(path.join(tmpdir(), 'opv-clip-'));
        dir = d;
        onExit(() => rmSync(d, { recursive: true, force: true }));
      }
      const file = path.join(dir, `speech-${seconds}s.wav`);
      if (!existsSync(file)) {
        const pcm = await readWav(speechWav);
        await writeWav(file, pcm.subarray(0, Math.round(seconds * 48_000)));
      }
      return file;
    })();
    made.set(seconds, p);
  }
  return p;
}
