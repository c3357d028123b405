/**
 * The station's software: Node.js, its two native modules (Opus, and `speaker` for ALSA
 * playback) and espeak-ng. `speaker` is loaded in a child, never here: on some set-ups
 * libasound aborts the whole process when it loads without a usable device.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fail, pass, warn, type CheckResult } from './check.js';
import { probeEspeak } from '../station/speech/espeak.js';

const require = createRequire(import.meta.url);
const MIN_NODE_MAJOR = 20;

export function checkNode(version: string = process.versions.node): CheckResult {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? pass('Node.js', `${version} (needs ${MIN_NODE_MAJOR} or later)`)
    : fail('Node.js', `${version} is too old (needs ${MIN_NODE_MAJOR} or later)`, 'install Node.js 20 or 22 (NodeSource or Debian 13 packages)');
}

export async function checkOpus(): Promise<CheckResult> {
  try {
    const { OpusCodec } = await import('../station/voice/opus-binding.js');
    const codec = new OpusCodec(48_000, 1);
    const packet = codec.encode(Buffer.alloc(1920 * 2));
    codec.decode(packet);
    return pass('Opus (@discordjs/opus)', 'loads, encodes and decodes');
  } catch (e) {
    return fail('Opus (@discordjs/opus)', `does not load: ${firstLine(e)}`, 'npm rebuild @discordjs/opus (needs build-essential and python3 when no prebuilt binary fits)');
  }
}

export function checkSpeakerModule(): Promise<CheckResult> {
  let path: string;
  try {
    path = require.resolve('speaker');
  } catch {
    return Promise.resolve(fail('ALSA playback (speaker)', 'the speaker package is not installed', 'npm install (with libasound2-dev present, so speaker builds)'));
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', 'require(process.argv[1])', path], { timeout: 10_000 }, (err, _out, stderr) => {
      if (err === null) return resolve(pass('ALSA playback (speaker)', 'native module loads'));
      const why = err.signal ? `crashed (${err.signal})` : firstLine(stderr) || `exit code ${String(err.code)}`;
      resolve(fail('ALSA playback (speaker)', `native module does not load: ${why}`, 'sudo apt install libasound2-dev, then npm rebuild speaker'));
    });
  });
}

/** espeak-ng reads chat aloud (--speak-chat); without it everything else works. */
export async function checkEspeak(wanted: boolean): Promise<CheckResult> {
  const why = await probeEspeak();
  if (why === null) return pass('espeak-ng', 'installed (chat can be read aloud)');
  const detail = `${why}${wanted ? ' (--speak-chat asks for it)' : ' (only needed for --speak-chat)'}`;
  return wanted ? fail('espeak-ng', detail, 'sudo apt install espeak-ng') : warn('espeak-ng', detail, 'sudo apt install espeak-ng');
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}
