/**
 * npm run bench:voice — what voice costs in CPU, measured with process.cpuUsage()
 * over the 7.3 s speech sample (real Opus, real frames):
 *  - per encoded stream and per decoded stream: µs of CPU per 40 ms frame, and the
 *    share of one core that one real-time stream takes (µs / 40 000 µs);
 *  - Opus loss concealment per frame;
 *  - the mixer at 1, 3 and 10 talkers, alone and as a whole playout tick (jitter
 *    buffers + decoders + mix) — the receiver's per-tick cost.
 * Importable: `runVoiceBench()` returns the figures for a combined station bench.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav } from '../src/station/voice/files.js';
import { VoiceEncoder } from '../src/station/voice/encoder.js';
import { VoiceDecoder } from '../src/station/voice/decoder.js';
import { mixFrames } from '../src/station/voice/mixer.js';
import { VoiceReceiver } from '../src/station/voice/receiver.js';
import type { RtpHeader } from '../src/protocol/index.js';

const FRAME = 1920;
const FRAME_US = 40_000;

export interface VoiceBenchFigures {
  encodeUsPerFrame: number;
  decodeUsPerFrame: number;
  concealUsPerFrame: number;
  mixUsPerFrame: Record<number, number>;
  tickUsPerFrame: Record<number, number>;
}

/** CPU µs per call of `fn`, which performs `perCall` frames; runs for about `seconds`. */
function cpuPerFrame(fn: () => void, perCall: number, seconds = 1.5): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let frames = 0;
  const wallEnd = performance.now() + seconds * 1000;
  const c0 = process.cpuUsage();
  while (performance.now() < wallEnd) {
    fn();
    frames += perCall;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / frames;
}

function line(label: string, us: number, realtime = true): void {
  const share = realtime ? `  = ${((us / FRAME_US) * 100).toFixed(2).padStart(6)} % of one core per real-time stream` : '';
  console.log(`${label.padEnd(40)} ${us.toFixed(1).padStart(8)} µs CPU per 40 ms frame${share}`);
}

function rtp(sequence: number): RtpHeader {
  return { version: 2, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 96, sequence, timestamp: 0, ssrc: 0 };
}

export async function runVoiceBench(speechFile: string): Promise<VoiceBenchFigures> {
  const pcm = await readWav(speechFile);
  const frames: Int16Array[] = [];
  for (let o = 0; o + FRAME <= pcm.length; o += FRAME) frames.push(pcm.slice(o, o + FRAME));
  const packets = (() => {
    const e = new VoiceEncoder();
    return frames.map((f) => e.encode(f));
  })();

  console.log(`voice bench: ${frames.length} frames of speech, Opus 16 kbit/s CBR, Node ${process.version}`);

  const enc = new VoiceEncoder();
  const encodeUs = cpuPerFrame(() => {
    for (const f of frames) enc.encode(f);
  }, frames.length);
  line('encode (one talker sending)', encodeUs);

  let dec = new VoiceDecoder();
  const decodeUs = cpuPerFrame(() => {
    dec = new VoiceDecoder();
    for (const p of packets) dec.decode(p);
  }, packets.length);
  line('decode (one station heard)', decodeUs);

  const concealUs = cpuPerFrame(() => {
    const d = new VoiceDecoder();
    for (let i = 0; i < packets.length; i++) {
      if (i % 2 === 0) d.decode(packets[i]!);
      else d.conceal();
    }
  }, packets.length);
  line('decode with 50 % concealed (PLC)', concealUs);

  const decoded = (() => {
    const d = new VoiceDecoder();
    return packets.map((p) => d.decode(p));
  })();
  const mixUs: Record<number, number> = {};
  const tickUs: Record<number, number> = {};
  for (const n of [1, 3, 10]) {
    const out = new Int16Array(FRAME);
    let k = 0;
    mixUs[n] = cpuPerFrame(() => {
      const set: Int16Array[] = [];
      for (let t = 0; t < n; t++) set.push(decoded[(k + t * 17) % decoded.length]!);
      mixFrames(set, out);
      k++;
    }, 1);
    line(`mix ${n} talker${n > 1 ? 's' : ' '}`, mixUs[n]!, false);
  }
  for (const n of [1, 3, 10]) {
    const rx = new VoiceReceiver({ sink: { name: 'bench', write: () => undefined, close: async () => {} }, now: () => 0 });
    const calls = Array.from({ length: n }, (_, t) => `T${t}`);
    let seq = 0;
    for (const c of calls) {
      rx.push(c, rtp(seq), packets[0]!);
      rx.push(c, rtp(seq + 1), packets[1]!);
    }
    seq = 2;
    tickUs[n] = cpuPerFrame(() => {
      for (let t = 0; t < calls.length; t++) rx.push(calls[t]!, rtp(seq & 0xffff), packets[(seq + t * 17) % packets.length]!);
      seq++;
      rx.tick();
    }, 1);
    await rx.close();
    line(`playout tick, ${n} talker${n > 1 ? 's' : ' '} (jb+decode+mix)`, tickUs[n]!);
  }
  return { encodeUsPerFrame: encodeUs, decodeUsPerFrame: decodeUs, concealUsPerFrame: concealUs, mixUsPerFrame: mixUs, tickUsPerFrame: tickUs };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  await runVoiceBench(path.resolve(repoRoot, '..', 'shared', 'audio', 'speech-48k-mono.wav'));
}
