/**
 * ALSA back-end: capture through the `mic` package (it runs arecord), playback
 * through `speaker` (libasound in-process), device lists from `arecord -L`/`aplay -L`.
 *
 * `speaker` aborts the whole process (a native assertion in libasound) when ALSA has
 * no usable default device — on require on some set-ups, on open on others. So
 * playback first runs a probe child (`node -e` loading speaker and playing 40 ms of
 * silence with the exact settings we will use); only when that exits cleanly is
 * speaker imported here. Probe results are cached per device for the process.
 * arecord merely exits with an error, so capture probes with a 10 ms arecord run.
 */
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, AudioDeviceError, type CaptureSource, type PlaybackSink } from './types.js';
import { FrameChunker } from './frame-chunker.js';
import { WavStreamHeader } from './wav-stream-header.js';
import { bytesFromSamples } from './wav-format.js';

const require = createRequire(import.meta.url);
const PROBE_TIMEOUT_MS = 8000;

function oneLine(text: string, fallback: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.at(-1) ?? fallback;
}

interface ProbeResult {
  ok: boolean;
  message: string;
}

function runProbe(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: PROBE_TIMEOUT_MS, env: env ?? process.env }, (err, _stdout, stderr) => {
      if (err === null) return resolve({ ok: true, message: '' });
      const e = err as NodeJS.ErrnoException & { signal?: string | null; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ ok: false, message: `${cmd} not found (install alsa-utils / Node.js)` });
      if (e.killed) return resolve({ ok: false, message: `${cmd} probe timed out` });
      const why = e.signal ? `crashed (${e.signal})` : `exit code ${String(e.code)}`;
      resolve({ ok: false, message: oneLine(String(stderr), why) });
    });
  });
}

// ——— playback ———

const SPEAKER_PROBE = `
const Speaker = require(process.argv[1]);
const dev = process.argv[2] || undefined;
const s = new Speaker({ channels: 1, bitDepth: 16, sampleRate: ${AUDIO_SAMPLE_RATE}, signed: true, device: dev });
s.on('error', (e) => { process.stderr.write(String(e && e.message || e) + '\\n'); process.exit(3); });
s.write(Buffer.alloc(${AUDIO_FRAME_SAMPLES * 2}), () => s.end());
s.on('close', () => process.exit(0));
`;

const playbackProbes = new Map<string, Promise<ProbeResult>>();

/** Whether `speaker` can open `device` (default device when undefined), tried in a child. */
export function probePlayback(device?: string): Promise<ProbeResult> {
  const key = device ?? '';
  let p = playbackProbes.get(key);
  if (p === undefined) {
    p = runProbe(process.execPath, ['-e', SPEAKER_PROBE, require.resolve('speaker'), key]);
    playbackProbes.set(key, p);
  }
  return p;
}

type SpeakerCtor = new (opts: Record<string, unknown>) => Writable & { close(flush: boolean): unknown };

/** Bounds the speaker's queue so a device clock slower than ours cannot grow latency forever. */
const MAX_QUEUED_BYTES = AUDIO_FRAME_SAMPLES * 2 * 5;

export class AlsaPlayback implements PlaybackSink {
  readonly name: string;
  private readonly speaker: Writable;
  private closed = false;
  /** Frames dropped because the device fell behind by more than 200 ms. */
  dropped = 0;
  frames = 0;
  /** The last device error, if the device failed after opening. */
  error: string | null = null;

  private constructor(name: string, speaker: Writable) {
    this.name = name;
    this.speaker = speaker;
    speaker.on('error', (err: Error) => {
      this.error = err.message;
    });
  }

  /**
   * `prefillMs` of silence is queued at open: the device starts playing on the first
   * write and we then feed it exactly in real time, so this cushion is all that
   * absorbs a late timer (an ALSA underrun is an audible click). It adds as much to
   * the mouth-to-ear delay.
   */
  static async open(device?: string, opts: { prefillMs?: number } = {}): Promise<AlsaPlayback> {
    const probe = await probePlayback(device);
    if (!probe.ok) {
      throw new AudioDeviceError(`no audio output (${device ?? 'default ALSA device'}): ${probe.message}`);
    }
    const mod = (await import('speaker')) as unknown as { default: SpeakerCtor };
    const speaker = new mod.default({
      channels: 1,
      bitDepth: 16,
      sampleRate: AUDIO_SAMPLE_RATE,
      signed: true,
      ...(device === undefined ? {} : { device }),
    });
    const prefillSamples = Math.round(((opts.prefillMs ?? 20) * AUDIO_SAMPLE_RATE) / 1000);
    if (prefillSamples > 0) speaker.write(Buffer.alloc(prefillSamples * 2));
    return new AlsaPlayback(`alsa:${device ?? 'default'}`, speaker);
  }

  write(pcm: Int16Array): void {
    if (this.closed || this.error !== null) return;
    if (this.speaker.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    this.frames++;
    // A copy: the stream keeps the chunk queued after write() returns.
    this.speaker.write(Buffer.from(bytesFromSamples(pcm)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      const t = setTimeout(done, 2000);
      this.speaker.once('close', () => {
        clearTimeout(t);
        done();
      });
      this.speaker.end();
    });
  }
}

// ——— capture ———

interface MicInstance {
  start(): void;
  stop(): void;
  getAudioStream(): NodeJS.EventEmitter;
}
type MicFactory = (opts: Record<string, string | boolean>) => MicInstance;

const captureProbes = new Map<string, Promise<ProbeResult>>();

export function probeCapture(device?: string): Promise<ProbeResult> {
  const key = device ?? 'default';
  let p = captureProbes.get(key);
  if (p === undefined) {
    p = runProbe('arecord', ['-q', '-D', key, '-f', 'S16_LE', '-c', '1', '-r', String(AUDIO_SAMPLE_RATE), '-t', 'raw', '-s', '480', '/dev/null']);
    captureProbes.set(key, p);
  }
  return p;
}

export class AlsaCapture implements CaptureSource {
  readonly name: string;
  private readonly device: string;
  private mic: MicInstance | null = null;

  private constructor(device: string) {
    this.device = device;
    this.name = `alsa:${device}`;
  }

  static async open(device?: string): Promise<AlsaCapture> {
    const probe = await probeCapture(device);
    if (!probe.ok) throw new AudioDeviceError(`no audio input (${device ?? 'default ALSA device'}): ${probe.message}`);
    return new AlsaCapture(device ?? 'default');
  }

  /** onEnd is called if arecord exits on its own (device unplugged). */
  async start(onFrame: (pcm: Int16Array) => void, onEnd?: () => void): Promise<void> {
    await this.stop();
    const micFactory = require('mic') as MicFactory;
    const mic = micFactory({
      rate: String(AUDIO_SAMPLE_RATE),
      channels: '1',
      bitwidth: '16',
      encoding: 'signed-integer',
      endian: 'little',
      device: this.device,
    });
    const chunker = new FrameChunker(onFrame);
    const samples = new WavStreamHeader((b) => chunker.push(b));
    const stream = mic.getAudioStream();
    stream.on('data', (chunk: Buffer) => samples.push(chunk));
    stream.on('error', () => undefined);
    stream.on('audioProcessExitComplete', () => {
      if (this.mic === mic) {
        this.mic = null;
        onEnd?.();
      }
    });
    this.mic = mic;
    mic.start();
  }

  async stop(): Promise<void> {
    const mic = this.mic;
    this.mic = null;
    mic?.stop();
  }

  async close(): Promise<void> {
    await this.stop();
  }
}

// ——— device lists ———

function listDevices(cmd: 'arecord' | 'aplay'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, ['-L'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => reject(new AudioDeviceError(`${cmd} not found (install alsa-utils)`)));
    child.on('close', () => {
      // Names start in column 0; their descriptions are indented beneath them.
      resolve(out.split('\n').filter((l) => l.length > 0 && !/^\s/.test(l)));
    });
  });
}

export async function listAlsaDevices(): Promise<{ inputs: string[]; outputs: string[] }> {
  const [inputs, outputs] = await Promise.all([listDevices('arecord'), listDevices('aplay')]);
  return { inputs, outputs };
}
