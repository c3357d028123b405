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
import { readWav } from '../src/station/voice/files.js';
import { VoiceEncoder } from '../src/station/voice/encoder.js';
import { VoiceDecoder } from '../src/station/voice/decoder.js';
import { mixFrames } from '../src/station/voice/mixer.js';
import { VoiceReceiver } from '../src/station/voice/receiver.js';
import type { RtpHeader } from '../src/protocol/index.js';
import { FrameClock } from '../src/audio/frame-clock.js';
import { speechWav } from '../test/helpers/paths.js';

const FRAME = 1920;
const FRAME_US = 40_000;

export interface VoiceBenchFigures {
  encodeUsPerFrame: number;
  encodeComplexity5UsPerFrame: number;
  decodeUsPerFrame: number;
  concealUsPerFrame: number;
  mixUsPerFrame: Record<number, number>;
  tickUsPerFrame: Record<number, number>;
  /** Real timers, clean link, default jitter target: packet arrival → frame handed to the sink. */
  receiveDelayMs: { mean: number; p95: number; max: number };
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
  const enc5 = new VoiceEncoder({ complexity: 5 });
  const encode5Us = cpuPerFrame(() => {
    for (const f of frames) enc5.encode(f);
  }, frames.length);
  line('encode at complexity 5 (small Pi option)', encode5Us);

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
    line(`mix ${n} talker${n > 1 ? 's' : ' '}`, mixUs[n], false);
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
    line(`playout tick, ${n} talker${n > 1 ? 's' : ' '} (jb+decode+mix)`, tickUs[n]);
  }
  // The delay depends on the phase between the sender's and the playout clock: sweep it.
  const runs: number[][] = [];
  for (const phase of [0, 10, 20, 30]) runs.push(await measureReceiveDelay(phase));
  const all = runs.flat().sort((a, b) => a - b);
  const receiveDelayMs = {
    mean: all.reduce((a, b) => a + b, 0) / all.length,
    p95: all[Math.floor(all.length * 0.95)]!,
    max: all.at(-1)!,
  };
  console.log(
    `${'receive delay (arrival → sink), target 2'.padEnd(40)} mean ${receiveDelayMs.mean.toFixed(1)} ms, ` +
      `p95 ${receiveDelayMs.p95.toFixed(1)} ms, max ${receiveDelayMs.max.toFixed(1)} ms (clean link, real timers, 4 clock phases)`,
  );
  return {
    encodeUsPerFrame: encodeUs,
    encodeComplexity5UsPerFrame: encode5Us,
    decodeUsPerFrame: decodeUs,
    concealUsPerFrame: concealUs,
    mixUsPerFrame: mixUs,
    tickUsPerFrame: tickUs,
    receiveDelayMs,
  };
}

/**
 * The receive side's share of mouth-to-ear delay: packets arrive every 40 ms (their
 * own drift-free clock, unrelated phase), the receiver's playout clock runs as in the
 * station, and each packet's arrival is matched to the tick that wrote it. Packets
 * carry a loud tone so the first written frame with sound is the first packet.
 */
async function measureReceiveDelay(phaseMs: number, packetsToSend = 40): Promise<number[]> {
  const enc = new VoiceEncoder();
  const tone = Int16Array.from({ length: FRAME }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 400 * i) / 48000)));
  const packets = Array.from({ length: packetsToSend }, () => enc.encode(tone));
  const arrivals: number[] = [];
  const writes: { at: number; loud: boolean }[] = [];
  const rx = new VoiceReceiver({
    sink: {
      name: 'bench',
      write: (pcm) => writes.push({ at: performance.now(), loud: pcm.some((v) => Math.abs(v) > 1000) }),
      close: async () => {},
    },
  });
  rx.start();
  await new Promise((r) => setTimeout(r, phaseMs));
  const sender = new FrameClock({ intervalMs: 40, firstTick: 0 });
  await new Promise<void>((resolve) => {
    let seq = 0;
    sender.start(() => {
      arrivals.push(performance.now());
      rx.push('W1AW', rtp(seq), packets[seq]!);
      if (++seq === packets.length) {
        sender.stop();
        rx.end('W1AW');
        resolve();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  await rx.close();
  // Opus needs a frame or two to ramp up: anchor on the first loud frame and its packet.
  const firstLoud = writes.findIndex((w) => w.loud);
  const delays: number[] = [];
  for (let k = 0; k < arrivals.length; k++) {
    const w = writes[firstLoud + k - rampFrames(packets)];
    if (w !== undefined) delays.push(w.at - arrivals[k]!);
  }
  return delays;
}

/** How many leading packets decode to near-silence (the codec ramping up). */
function rampFrames(packets: Uint8Array[]): number {
  const d = new VoiceDecoder();
  let k = 0;
  while (k < packets.length && !d.decode(packets[k]!).some((v) => Math.abs(v) > 1000)) k++;
  return k;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runVoiceBench(speechWav);
}
