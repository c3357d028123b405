/**
 * Text to speech through espeak-ng (a Debian package; `scripts/setup.sh` installs it).
 *
 * Received chat is untrusted, so it reaches espeak-ng only as data:
 * - the process is spawned directly (no shell), the text goes to its stdin, never
 *   into its argument list;
 * - no `-m`: SSML and other markup is not interpreted, `<speak>` is just text;
 * - espeak-ng's command line always honours `[[…]]` as raw phoneme input, so every
 *   `[[` is broken up (`[ [`) and the brackets are read as punctuation like any other;
 * - control characters (espeak's embedded-command prefix among them) are removed;
 * - the text, the time espeak may take and the audio it may return are all bounded.
 *
 * espeak-ng writes a WAV stream (22 050 Hz, mono, 16-bit, with a placeholder size)
 * to stdout; it is resampled here to the station's output rate and lowered to
 * −6 dBFS peak so cues on top never clip.
 */
import { spawn } from 'node:child_process';
import { AUDIO_SAMPLE_RATE } from '../../audio/types.js';
import { resample } from '../../audio/resample.js';
import { OpvError } from '../../errors.js';

export const ESPEAK_COMMAND = 'espeak-ng';
/** Longest chat text spoken; the rest is cut (the screen still shows all of it). */
export const MAX_SPOKEN_CHARS = 300;
/** Speech is scaled by this (espeak peaks near full scale). */
export const SPEECH_GAIN = 0.5;
const RENDER_TIMEOUT_MS = 10_000;
/** 60 s of 22 050 Hz 16-bit mono; espeak never needs that much for MAX_SPOKEN_CHARS. */
const MAX_OUTPUT_BYTES = 60 * 22050 * 2 + 4096;

export class SpeechUnavailable extends OpvError {
  override readonly name = 'SpeechUnavailable';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_SPEECH_UNAVAILABLE', message, options);
  }
}

export class SpeechRenderError extends OpvError {
  override readonly name = 'SpeechRenderError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_SPEECH_RENDER', message, options);
  }
}

/** What espeak-ng is given for `text`: read literally, never as markup or phonemes. */
export function speakableText(text: string, maxChars = MAX_SPOKEN_CHARS): string {
  let t = text
    // C0/C1 controls (0x01 introduces espeak's embedded commands), line breaks included.
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.length > maxChars) t = t.slice(0, maxChars);
  // After cutting, so a cut cannot rejoin two brackets.
  return t.replace(/\[(?=\[)/g, '[ ');
}

/** The PCM inside a (possibly streamed, size-less) WAV: samples, rate. */
export function parseWavStream(buf: Buffer): { pcm: Int16Array; rate: number } {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new SpeechRenderError('espeak-ng output is not a WAV stream');
  }
  let at = 12;
  let rate = 0;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) break;
      const format = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      const bits = buf.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16) throw new SpeechRenderError(`espeak-ng output is not 16-bit mono PCM (format ${format}, ${channels} ch, ${bits} bit)`);
    } else if (id === 'data') {
      if (rate === 0) throw new SpeechRenderError('espeak-ng output has data before its format');
      // Written to a pipe, the data size is a placeholder: the data runs to the end.
      const end = Math.min(buf.length, body + size);
      const bytes = (end - body) & ~1;
      // A copy (aligned, and not a view into a pooled buffer); WAV is little-endian like every host opv runs on.
      const pcm = new Int16Array(bytes / 2);
      new Uint8Array(pcm.buffer).set(buf.subarray(body, body + bytes));
      return { pcm, rate };
    }
    at = body + size + (size & 1);
  }
  throw new SpeechRenderError('espeak-ng output has no audio');
}

export interface EspeakOptions {
  /** Executable (default espeak-ng, found on PATH). */
  command?: string;
  outputRate?: number;
}

/** Raw espeak-ng rendering of `input` (already made speakable): its WAV bytes. */
function runEspeak(input: string, command: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // -b 1: the input is UTF-8. No -m (markup), no text argument: stdin only.
    const child = spawn(command, ['--stdout', '-b', '1'], { shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let failed: Error | null = null;
    const fail = (e: Error): void => {
      failed ??= e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new SpeechRenderError(`espeak-ng took longer than ${RENDER_TIMEOUT_MS / 1000} s`)), RENDER_TIMEOUT_MS);
    child.on('error', (e: NodeJS.ErrnoException) => {
      failed ??= e.code === 'ENOENT' ? new SpeechUnavailable(`${command} not found`) : new SpeechRenderError(`${command}: ${e.message}`);
    });
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_OUTPUT_BYTES) fail(new SpeechRenderError('espeak-ng output too long'));
      else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 500) stderr += c.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // a failed spawn closes stdin under us
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0) reject(new SpeechRenderError(`espeak-ng exited with ${code ?? 'a signal'}${stderr ? `: ${stderr.trim().split('\n')[0] ?? ''}` : ''}`));
      else resolve(Buffer.concat(chunks));
    });
    child.stdin.end(input, 'utf8');
  });
}

/**
 * Speech for `text` at the output rate (48 kHz), peak ≤ −6 dBFS. Rejects with
 * SpeechUnavailable when espeak-ng is not installed, SpeechRenderError otherwise.
 */
export async function renderSpeech(text: string, opts: EspeakOptions = {}): Promise<Int16Array> {
  // Callers compose sentences from speakable parts; this is the last line of defence.
  const wav = await runEspeak(speakableText(text, 2 * MAX_SPOKEN_CHARS), opts.command ?? ESPEAK_COMMAND);
  const { pcm, rate } = parseWavStream(wav);
  const out = resample(pcm, rate, opts.outputRate ?? AUDIO_SAMPLE_RATE);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(out[i]! * SPEECH_GAIN);
  return out;
}

/** Whether espeak-ng can be run: null when it can, else a one-line reason. */
export function probeEspeak(command = ESPEAK_COMMAND): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { shell: false, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? `${command} is not installed` : `${command}: ${e.message}`));
    child.on('close', (code) => resolve(code === 0 ? null : `${command} --version exited with ${code ?? 'a signal'}`));
  });
}
