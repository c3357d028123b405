/**
 * npm run bench:speech — spoken chat:
 * 1. time from a chat line's arrival at station B (the engine's `chat` event) to the
 *    first sample of its speech reaching B's output device, on a quiet channel,
 *    through a real `opv server` on loopback; with the chat cue off (speech first)
 *    and on (the default: pips, then speech);
 * 2. CPU of speaking one line: espeak-ng's own (a child process), opv's share of
 *    rendering (spawn, WAV parse, 22 050 → 48 000 Hz resampling), and mixing it
 *    into the output frame by frame.
 * The output device's own buffer (about 20 ms on ALSA with opv's pre-fill) is not included.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlaybackSink } from '../src/audio/types.js';
import { StationEngine } from '../src/station/engine.js';
import { DEFAULT_STATION_SETTINGS, type StationSettings } from '../src/station/settings.js';
import { renderSpeech } from '../src/station/speech/espeak.js';
import { SpeechQueue, chatSentence } from '../src/station/speech/speech-queue.js';
import { Proc } from '../test/helpers/proc.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const opv = path.resolve(here, '..', '..', 'bin', 'opv');
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) || dflt : dflt;
};
const LINES = arg('--lines', 10);
const LINE = 'copy that, the repeater is clear, standing by';

/** An output device that notes when the first sound after `armedAt` reaches it. */
class Ear implements PlaybackSink {
  readonly name = 'ear';
  armedAt = -1;
  heardAt = -1;
  write(pcm: Int16Array): void {
    if (this.armedAt < 0 || this.heardAt >= 0) return;
    for (let i = 0; i < pcm.length; i++) {
      if (pcm[i] !== 0) {
        this.heardAt = performance.now() + (i / 48000) * 1000;
        return;
      }
    }
  }
  async close(): Promise<void> {}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
  return `median ${at(50).toFixed(0)} ms, p95 ${at(95).toFixed(0)} ms, min ${s[0]!.toFixed(0)}, max ${s[s.length - 1]!.toFixed(0)} (${s.length} lines)`;
};

async function arrivalToSpeech(chatCue: boolean): Promise<number[]> {
  const port = await freeUdpPort();
  const server = new Proc(process.execPath, [opv, 'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(await freeTcpPort()), '--stats-interval', '0']);
  await server.waitForLine(/Server ready/);
  const base = (call: string, listenPort: number): StationSettings => ({
    ...DEFAULT_STATION_SETTINGS,
    callsign: call,
    server: '127.0.0.1',
    port,
    listenPort,
    audioIn: { kind: 'none' },
    audioOut: { kind: 'none' },
    dataDir: mkdtempSync(path.join(tmpdir(), `opv-bench-${call}-`)),
  });
  const ear = new Ear();
  const a = new StationEngine(base('W1ABC', await freeUdpPort()));
  const b = new StationEngine({ ...base('VE3XYZ', await freeUdpPort()), speakChat: true, chatCue, courtesyTone: false }, Date.now, { sink: ear });
  await a.start();
  await b.start();
  let arrived = -1;
  b.on('chat', () => {
    arrived = performance.now();
    // With the cue on, the cue comes first: wait for the speech itself.
    if (!chatCue) ear.armedAt = arrived;
  });
  // The queue reports the start of an utterance while mixing the frame it begins in,
  // just before that frame is written: arm the ear for the first sound after the cue.
  b.speech.on('state', (s) => {
    if (s.playing !== null && chatCue && ear.armedAt < 0) ear.armedAt = performance.now();
  });
  await sleep(500);
  const out: number[] = [];
  for (let i = 0; i < LINES; i++) {
    arrived = -1;
    ear.armedAt = -1;
    ear.heardAt = -1;
    a.sendChat(`${LINE} ${i}`);
    const t0 = performance.now();
    while (ear.heardAt < 0 && performance.now() - t0 < 5000) await sleep(5);
    if (ear.heardAt >= 0 && arrived >= 0) out.push(ear.heardAt - arrived);
    // Let the line finish: every measurement on a quiet channel.
    while ((b.speech.state.playing !== null || b.speech.state.queued > 0) && performance.now() - t0 < 30_000) await sleep(20);
    await sleep(300 + Math.random() * 40);
  }
  await a.close();
  await b.close();
  await server.stop();
  return out;
}

/** CPU time (ms) of this process's reaped children, from /proc/self/stat. */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 (cutime, cstime) in clock ticks (100 Hz on Linux).
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
}

async function cpuOfOneLine(): Promise<void> {
  const text = chatSentence('K5XYZ', LINE);
  const n = 20;
  await renderSpeech(text); // warm the page cache and the resampler table
  const child0 = childCpuMs();
  const own0 = process.cpuUsage();
  let samples = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) samples = (await renderSpeech(text)).length;
  const wall = (performance.now() - t0) / n;
  const own = process.cpuUsage(own0);
  const espeakMs = (childCpuMs() - child0) / n;
  const ownMs = (own.user + own.system) / 1000 / n;
  const seconds = samples / 48000;

  // Mixing: one utterance through the queue's per-frame path.
  const pcm = await renderSpeech(text);
  const q = new SpeechQueue({ speakChat: true, chatCue: false, courtesyTone: false, busy: () => false, render: async () => pcm, probe: async () => null });
  q.chat('K5XYZ', LINE);
  await sleep(10);
  const frames = Math.ceil(pcm.length / 1920);
  const mix = new Int16Array(1920);
  const m0 = process.cpuUsage();
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < mix.length; i++) mix[i] = (i * 37) % 2000 - 1000; // some voice underneath
    q.addTo(mix);
  }
  const m = process.cpuUsage(m0);
  const mixUsPerFrame = (m.user + m.system) / frames;
  const total = espeakMs + ownMs + (mixUsPerFrame * frames) / 1000;
  console.log(`  one line ("${text}", ${seconds.toFixed(2)} s of speech), mean of ${n}:`);
  console.log(`    espeak-ng (child process): ${espeakMs.toFixed(1)} ms CPU; rendering wall time ${wall.toFixed(0)} ms`);
  console.log(`    opv: spawn + WAV parse + resample to 48 kHz: ${ownMs.toFixed(1)} ms CPU; mixing ${mixUsPerFrame.toFixed(1)} µs per 40 ms frame`);
  console.log(`    total ${total.toFixed(0)} ms CPU = ${((total / (seconds * 1000)) * 100).toFixed(1)} % of one core over the line's duration`);
}

console.log('bench:speech — spoken chat (espeak-ng), loopback through opv server');
const off = await arrivalToSpeech(false);
console.log(`  chat arrival → first sample of its speech at the output, quiet channel, chat cue off: ${stats(off)}`);
const on = await arrivalToSpeech(true);
console.log(`  the same with the chat cue on (default; pips 140 ms + 40 ms pause first): ${stats(on)}`);
await cpuOfOneLine();
if (off.length < LINES - 1 || on.length < LINES - 1) {
  console.error('some lines were never heard — the figures are not valid');
  process.exit(1);
}
