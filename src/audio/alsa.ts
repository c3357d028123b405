/**
 * ALSA back-end: capture through the `mic` package (it runs arecord), playback
 * through an `aplay` child fed on stdin, device lists from `arecord -L`/`aplay -L`.
 * Nothing of libasound runs in this process, so no device can abort it. Each device
 * is probed first (40 ms of silence through aplay, 10 ms of arecord) with the exact
 * settings used, so a missing card is a one-line message before anything starts;
 * probe results are cached per device for the process.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, AudioDeviceError, type CaptureSource, type PlaybackSink } from './types.js';
import { FrameChunker } from './frame-chunker.js';
import { CapturePacer, type CaptureCounters } from './capture-pacer.js';
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

/** Runs `cmd` to completion (feeding it `input` on stdin when given): ok when it exits 0. */
function runProbe(cmd: string, args: string[], input?: Buffer): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: PROBE_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err === null) return resolve({ ok: true, message: '' });
      const e = err as NodeJS.ErrnoException & { signal?: string | null; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ ok: false, message: `${cmd} not found (install alsa-utils / Node.js)` });
      if (e.killed) return resolve({ ok: false, message: `${cmd} probe timed out` });
      const why = e.signal ? `crashed (${e.signal})` : `exit code ${String(e.code)}`;
      resolve({ ok: false, message: oneLine(String(stderr), why) });
    });
    child.stdin?.on('error', () => undefined); // EPIPE from a device that failed to open: the exit says why
    child.stdin?.end(input);
  });
}

// ——— playback ———

/**
 * aplay's own ring buffer. A late timer on our side is absorbed by what is queued in
 * it; playback starts once `prefillMs` is there (aplay's --start-delay), so the buffer
 * never adds latency beyond the prefill while we feed in real time.
 */
const APLAY_BUFFER_US = 200_000;
/**
 * aplay reads its input a period at a time: a period longer than the 20 ms prefill
 * would hold our 40 ms frames back until a whole period had arrived and underrun the
 * device between them. 10 ms passes each frame on at once.
 */
const APLAY_PERIOD_US = 10_000;

function aplayArgs(device: string | undefined, startDelayUs: number): string[] {
  return [
    '-q',
    '-t', 'raw',
    '-f', 'S16_LE',
    '-r', String(AUDIO_SAMPLE_RATE),
    '-c', '1',
    `--buffer-time=${APLAY_BUFFER_US}`,
    `--period-time=${APLAY_PERIOD_US}`,
    `--start-delay=${startDelayUs}`,
    ...(device === undefined ? [] : ['-D', device]),
  ];
}

const playbackProbes = new Map<string, Promise<ProbeResult>>();

/** Whether aplay can open `device` (default device when undefined) and play 40 ms of silence. */
export function probePlayback(device?: string): Promise<ProbeResult> {
  const key = device ?? '';
  let p = playbackProbes.get(key);
  if (p === undefined) {
    p = runProbe('aplay', aplayArgs(device, 0), Buffer.alloc(AUDIO_FRAME_SAMPLES * 2));
    playbackProbes.set(key, p);
  }
  return p;
}

/**
 * Bounds what waits in our side of the pipe (beyond the pipe's own 64 KiB), so a
 * device clock slower than ours, or a stalled aplay, cannot grow latency or memory.
 */
const MAX_QUEUED_BYTES = AUDIO_FRAME_SAMPLES * 2 * 5;

/**
 * Playback through an `aplay` child fed raw PCM on its stdin. Not the `speaker`
 * addon, which leaked its native async work on every write (+41 MiB of RSS per
 * 30 000 frames, about 20 minutes of listening) and could abort the process from
 * inside libasound; a child that dies is a one-line error and the station lives on.
 */
export class AlsaPlayback implements PlaybackSink {
  readonly name: string;
  private readonly child: ChildProcessByStdio<Writable, null, Readable>;
  private closed = false;
  private readonly exited: Promise<void>;
  /** Frames dropped because the device fell behind by more than 200 ms. */
  dropped = 0;
  frames = 0;
  /** Why the device stopped working after opening, one line; null while it works. */
  error: string | null = null;
  onFailure?: (why: string) => void;

  private constructor(name: string, child: ChildProcessByStdio<Writable, null, Readable>) {
    this.name = name;
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      // Only the tail matters (the reason aplay gives as it exits).
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.stdin.on('error', () => undefined); // EPIPE when aplay is gone: reported by 'close'
    child.on('error', (err) => this.fail(`aplay failed: ${err.message}`));
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        if (!this.closed) this.fail(`audio output ${this.name} stopped: ${oneLine(stderr, signal === null ? `aplay exit code ${String(code)}` : `aplay killed (${signal})`)}`);
        resolve();
      });
    });
  }

  private fail(why: string): void {
    if (this.error !== null) return;
    this.error = why;
    this.onFailure?.(why);
  }

  /**
   * `prefillMs` of silence is queued at open and playback starts when it is there: we
   * then feed exactly in real time, so this cushion is what absorbs a late timer (an
   * ALSA underrun is an audible click). It adds as much to the mouth-to-ear delay.
   */
  static async open(device?: string, opts: { prefillMs?: number } = {}): Promise<AlsaPlayback> {
    const probe = await probePlayback(device);
    if (!probe.ok) {
      throw new AudioDeviceError(`no audio output (${device ?? 'default ALSA device'}): ${probe.message}`);
    }
    const prefillMs = opts.prefillMs ?? 20;
    const child = spawn('aplay', aplayArgs(device, Math.max(1, prefillMs) * 1000), { stdio: ['pipe', 'ignore', 'pipe'] });
    const sink = new AlsaPlayback(`alsa:${device ?? 'default'}`, child);
    const prefillSamples = Math.round((prefillMs * AUDIO_SAMPLE_RATE) / 1000);
    if (prefillSamples > 0) child.stdin.write(Buffer.alloc(prefillSamples * 2));
    return sink;
  }

  write(pcm: Int16Array): void {
    if (this.closed || this.error !== null) return;
    if (this.child.stdin.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    this.frames++;
    // A copy: the stream keeps the chunk queued after write() returns.
    this.child.stdin.write(Buffer.from(bytesFromSamples(pcm)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // aplay drains what it has and exits at end of input; a wedged device gets 2 s.
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
  }
}

// ——— capture ———

interface MicInstance {
  start(): void;
  stop(): void;
  getAudioStream(): NodeJS.ReadableStream;
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
  /** Frames reach the transmitter at 40 ms pace even from a device with no clock. */
  private readonly pacer: CapturePacer;

  private constructor(device: string, pacer: CapturePacer) {
    this.device = device;
    this.name = `alsa:${device}`;
    this.pacer = pacer;
  }

  static async open(device?: string, opts: { now?: () => number } = {}): Promise<AlsaCapture> {
    const probe = await probeCapture(device);
    if (!probe.ok) throw new AudioDeviceError(`no audio input (${device ?? 'default ALSA device'}): ${probe.message}`);
    return new AlsaCapture(device ?? 'default', new CapturePacer({ now: opts.now }));
  }

  get counters(): CaptureCounters {
    return { ...this.pacer.counters };
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
    const stream = mic.getAudioStream();
    this.pacer.start(onFrame, { pause: () => stream.pause(), resume: () => stream.resume() });
    const chunker = new FrameChunker((f) => this.pacer.push(f));
    const samples = new WavStreamHeader((b) => chunker.push(b));
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
    this.pacer.stop();
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
