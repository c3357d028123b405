/**
 * The station's software: Node.js, its native module (Opus), ALSA's aplay/arecord (the
 * station plays and captures through them as child processes) and espeak-ng.
 */
import { execFile } from 'node:child_process';
import { fail, pass, warn, type CheckResult } from './check.js';
import { probeEspeak } from '../station/speech/espeak.js';

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

function toolVersion(cmd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, ['--version'], { timeout: 10_000 }, (err, out) => resolve(err === null ? firstLine(out) : null));
  });
}

/** aplay plays and arecord captures for the station (as children: libasound never runs in opv). */
export async function checkAlsaTools(): Promise<CheckResult> {
  const [aplay, arecord] = await Promise.all([toolVersion('aplay'), toolVersion('arecord')]);
  const missing = [aplay === null ? 'aplay' : null, arecord === null ? 'arecord' : null].filter((m) => m !== null);
  if (missing.length > 0) return fail('ALSA tools (aplay, arecord)', `${missing.join(' and ')} not found`, 'sudo apt install alsa-utils');
  return pass('ALSA tools (aplay, arecord)', aplay ?? '');
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
