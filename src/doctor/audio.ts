/**
 * The sound devices the station will use: the capture device opens and hears
 * something (one second of its level, so a muted or unplugged microphone shows), the
 * playback device opens. The same probes the station runs before opening (audio/alsa.ts).
 */
import { execFile } from 'node:child_process';
import { AUDIO_SAMPLE_RATE, probeCapture, probePlayback, WavCapture, type AudioInSpec, type AudioOutSpec } from '../audio/index.js';
import { fail, pass, skip, warn, type CheckResult } from './check.js';
import { firstLine } from './runtime.js';

/** Below this RMS a microphone is as good as muted (a quiet room with a live mic measures −70 dBFS or more). */
const QUIET_DBFS = -80;
const MIXER_FIX = 'unmute and raise the capture level: alsamixer (F6 picks the card, F4 shows capture; space switches Capture on)';

export interface Level {
  peakDbfs: number;
  rmsDbfs: number;
  samples: number;
}

/** Peak and RMS of s16le samples in dBFS (−Infinity for digital silence). */
export function measureLevel(bytes: Buffer): Level {
  const n = bytes.length >> 1;
  let peak = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = bytes.readInt16LE(i * 2);
    const a = Math.abs(s);
    if (a > peak) peak = a;
    sum += s * s;
  }
  const db = (x: number): number => (x === 0 ? -Infinity : 20 * Math.log10(x / 32768));
  return { peakDbfs: db(peak), rmsDbfs: db(n === 0 ? 0 : Math.sqrt(sum / n)), samples: n };
}

function recordOneSecond(device: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-q', '-D', device, '-f', 'S16_LE', '-c', '1', '-r', String(AUDIO_SAMPLE_RATE), '-t', 'raw', '-d', '1'];
    execFile('arecord', args, { encoding: 'buffer', timeout: 8000, maxBuffer: 4 * AUDIO_SAMPLE_RATE * 2 }, (err, stdout, stderr) => {
      if (err) reject(new Error(firstLine(stderr.toString()) || err.message));
      else resolve(stdout);
    });
  });
}

const fmt = (db: number): string => (db === -Infinity ? '−∞' : db.toFixed(1).replace('-', '−'));

export async function checkCapture(spec: AudioInSpec): Promise<CheckResult[]> {
  if (spec.kind === 'none') return [skip('capture', 'no microphone (--no-audio): chat only, PTT disabled')];
  if (spec.kind === 'wav') {
    try {
      const w = WavCapture.open(spec.file);
      const frames = w.frameCount;
      await w.close();
      return [pass(`capture ${spec.file}`, `a 48 kHz mono WAV of ${((frames * 40) / 1000).toFixed(1)} s, played as the microphone`)];
    } catch (e) {
      return [fail(`capture ${spec.file}`, firstLine(e), `give a 48 kHz mono 16-bit WAV (sox IN -r 48000 -c 1 -b 16 OUT.wav)`)];
    }
  }
  const device = spec.device ?? 'default';
  const name = `capture device ${device}`;
  const probe = await probeCapture(spec.device);
  if (!probe.ok) {
    return [fail(name, `does not open: ${probe.message}`, `plug in the sound card, or pick one from \`opv station --list-audio\` with --audio-in-device (or --no-audio for chat only)`)];
  }
  const out: CheckResult[] = [pass(name, 'opens (48 kHz mono 16-bit)')];
  let level: Level;
  try {
    level = measureLevel(await recordOneSecond(device));
  } catch (e) {
    return [...out, fail('capture level', `recording one second failed: ${firstLine(e)}`, MIXER_FIX)];
  }
  const what = `over one second: peak ${fmt(level.peakDbfs)} dBFS, RMS ${fmt(level.rmsDbfs)} dBFS`;
  if (level.samples < AUDIO_SAMPLE_RATE / 2) out.push(fail('capture level', `only ${level.samples} samples in one second (the device stalls)`, 'check the card and its USB connection'));
  else if (level.peakDbfs === -Infinity) out.push(fail('capture level', `digital silence ${what}: the microphone is muted or its capture switch is off`, MIXER_FIX));
  else if (level.rmsDbfs < QUIET_DBFS) out.push(warn('capture level', `almost silent ${what}`, MIXER_FIX));
  else if (level.peakDbfs > -0.5) out.push(warn('capture level', `clipping ${what}`, 'lower the capture level in alsamixer'));
  else out.push(pass('capture level', what));
  return out;
}

export async function checkPlayback(spec: AudioOutSpec): Promise<CheckResult> {
  if (spec.kind === 'none') return skip('playback', 'no loudspeaker (--no-audio): voice is kept in history only');
  if (spec.kind === 'wav') return pass(`playback ${spec.file}`, 'what the station plays is recorded into this file');
  const device = spec.device ?? 'default';
  const probe = await probePlayback(spec.device);
  return probe.ok
    ? pass(`playback device ${device}`, 'opens and plays 40 ms of silence')
    : fail(`playback device ${device}`, `does not open: ${probe.message}`, 'plug in the sound card, or pick one from `opv station --list-audio` with --audio-out-device');
}
