import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RtpHeader } from '../../../src/protocol/index.js';
import { openPlayback, type PlaybackSink } from '../../../src/audio/index.js';
import { VoiceEncoder } from '../../../src/station/voice/encoder.js';
import { decodeTransmission, readWav } from '../../../src/station/voice/files.js';
import { mixFrames } from '../../../src/station/voice/mixer.js';
import { VoiceReceiver, type TransmissionEnded } from '../../../src/station/voice/receiver.js';
import type { Talker } from '../../../src/station/types.js';
import { speechWav } from '../../helpers/paths.js';
import { ncc } from './signal.js';

const FRAME = 1920;
const dir = mkdtempSync(path.join(tmpdir(), 'opv-receiver-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function rtp(sequence: number, marker = false): RtpHeader {
  return {
    version: 2,
    padding: false,
    extension: false,
    csrcCount: 0,
    marker,
    payloadType: 96,
    sequence: sequence & 0xffff,
    timestamp: (sequence * FRAME) >>> 0,
    ssrc: 1,
  };
}

async function encodeSpeech(fromFrame: number, count: number): Promise<Uint8Array[]> {
  const pcm = await readWav(speechWav);
  const enc = new VoiceEncoder();
  const out: Uint8Array[] = [];
  for (let k = fromFrame; k < fromFrame + count; k++) out.push(enc.encode(pcm.subarray(k * FRAME, (k + 1) * FRAME)));
  return out;
}

function frameOf(pcm: Int16Array, k: number): Int16Array {
  return pcm.subarray(k * FRAME, (k + 1) * FRAME);
}

/** Simulated time: both talkers send one packet per 40 ms; the playout ticks in between. */
async function runTwoTalkers(
  a: (Uint8Array | null)[],
  b: (Uint8Array | null)[],
  file: string,
): Promise<{ rec: Int16Array; ended: TransmissionEnded[]; talkers: Talker[][] }> {
  const sink = await openPlayback({ kind: 'wav', file });
  let now = 1_000_000;
  const rx = new VoiceReceiver({ sink, now: () => now });
  const ended: TransmissionEnded[] = [];
  const talkers: Talker[][] = [];
  rx.on('transmissionEnded', (e) => ended.push(e));
  rx.on('talkers', (t) => talkers.push(t));
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n + 20; k++) {
    if (k < a.length && a[k] !== null) rx.push('W1AW', rtp(65530 + k, k === 0), a[k]!); // wraps at k = 6
    if (k < b.length && b[k] !== null) rx.push('VE3XYZ', rtp(1000 + k, k === 0), b[k]!);
    if (k === a.length) rx.end('W1AW');
    if (k === b.length) rx.end('VE3XYZ');
    now += 20;
    rx.tick();
    now += 20;
  }
  await rx.close();
  await sink.close();
  return { rec: await readWav(file), ended, talkers };
}

test('two stations talking at once are both in the recording, mixed sample-exactly', async () => {
  const a = await encodeSpeech(0, 75); // the first 3 s of the speech
  const b = await encodeSpeech(90, 75); // a different 3 s
  const { rec, ended, talkers } = await runTwoTalkers(a, b, path.join(dir, 'two.wav'));
  const decA = decodeTransmission(a);
  const decB = decodeTransmission(b);
  // Playout starts once two frames are buffered: the first frame is written on the second tick.
  const start = 1;
  for (let k = 0; k < 75; k++) {
    const expected = mixFrames([frameOf(decA, k), frameOf(decB, k)], new Int16Array(FRAME));
    assert.deepEqual(frameOf(rec, start + k), expected, `frame ${k}`);
  }
  // Each voice is present on its own (≈0.7 each when the powers are similar) …
  const mixed = rec.subarray(start * FRAME, (start + 75) * FRAME);
  const cA = ncc(decA, mixed, 0);
  const cB = ncc(decB, mixed, 0);
  assert.ok(cA > 0.4 && cB > 0.4, `correlation with A ${cA.toFixed(2)}, with B ${cB.toFixed(2)}`);
  // … and silence before and after.
  assert.ok(frameOf(rec, 0).every((s) => s === 0));
  assert.ok(rec.subarray((start + 75 + 3) * FRAME).every((s) => s === 0));
  assert.equal(rec.length, (75 + 20) * FRAME, 'one frame per tick');

  assert.equal(ended.length, 2);
  for (const e of ended) {
    assert.equal(e.frames, 75);
    assert.equal(e.lost, 0);
    assert.equal(e.durationMs, 3000);
    assert.equal(e.endedCleanly, true);
  }
  assert.deepEqual(ended.map((e) => e.callsign).sort(), ['VE3XYZ', 'W1AW']);
  assert.ok(talkers.some((t) => t.length === 2 && t.every((x) => x.level > 0)), 'both were reported talking with a level');
  assert.deepEqual(talkers.at(-1), []);
});

test('lost packets are concealed in place and counted per transmission', async () => {
  const a = await encodeSpeech(0, 50);
  // The last packet survives: a loss at the very end is indistinguishable from the end.
  const lossy = a.map((p, k) => (k % 9 === 4 && k < 49 ? null : p));
  const { rec, ended } = await runTwoTalkers(lossy, [], path.join(dir, 'lossy.wav'));
  const expected = decodeTransmission(lossy);
  assert.deepEqual(rec.subarray(FRAME, 51 * FRAME), expected);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.frames, 50);
  assert.equal(ended[0]!.lost, lossy.filter((p) => p === null).length);
});

test('the playout clock writes one frame per 40 ms in real time, silence when nobody talks', async () => {
  const frames: number[] = [];
  const sink: PlaybackSink = {
    name: 'count',
    write: (pcm) => {
      assert.equal(pcm.length, FRAME);
      frames.push(performance.now());
    },
    close: async () => {},
  };
  const rx = new VoiceReceiver({ sink });
  const t0 = performance.now();
  rx.start();
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (frames.length >= 25) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
  const elapsed = frames[24]! - t0;
  await rx.close();
  // Frame k is due at k × 40 ms: the 25th at 960 ms; never early, late by timer slack only.
  assert.ok(elapsed >= 959 && elapsed < 1300, `25 frames took ${elapsed.toFixed(0)} ms`);
  frames.forEach((t, k) => assert.ok(t - t0 >= k * 40 - 1, `frame ${k} early`));
});

test('a replay is mixed into the output and resolves when played', async () => {
  const written: Int16Array[] = [];
  const rx = new VoiceReceiver({ sink: { name: 'mem', write: (p) => written.push(p), close: async () => {} } });
  const clip = new Int16Array(FRAME * 2 + 100).fill(1234);
  let done = false;
  const p = rx.playLocal(clip).then(() => (done = true));
  rx.tick();
  rx.tick();
  await Promise.resolve();
  assert.equal(done, false);
  rx.tick();
  await p;
  assert.equal(written.length, 3);
  assert.ok(written[2]!.subarray(0, 100).every((s) => s === 1234));
  assert.ok(written[2]!.subarray(100).every((s) => s === 0));
  await rx.close();
});

test('stations silent for long are forgotten; their next transmission starts fresh', async () => {
  const packets = await encodeSpeech(0, 4);
  let now = 0;
  const rx = new VoiceReceiver({ sink: { name: 'mem', write: () => undefined, close: async () => {} }, now: () => now, idleForgetMs: 5000 });
  packets.forEach((p, k) => rx.push('W1AW', rtp(k), p));
  rx.end('W1AW');
  for (let k = 0; k < 10; k++) {
    now += 40;
    rx.tick();
  }
  assert.ok(rx.stats('W1AW') !== undefined, 'kept while recent');
  now += 6000;
  rx.tick();
  assert.equal(rx.stats('W1AW'), undefined);
  rx.push('W1AW', rtp(4, true), packets[0]!);
  assert.equal(rx.stats('W1AW')?.received, 1);
  await rx.close();
});

test('voice without PTT_START: a lone frame (a self-test) is neither played nor a transmission; three in a row are', async () => {
  const sink = new (await import('../../../src/audio/none.js')).NonePlayback();
  let now = 1_000_000;
  const rx = new VoiceReceiver({ sink, now: () => now });
  const started: string[] = [];
  const slots: (Uint8Array | null)[] = [];
  rx.on('transmissionStarted', ({ callsign }) => started.push(callsign));
  rx.on('slot', ({ opus }) => slots.push(opus));
  const [p0, p1, p2, p3] = await encodeSpeech(10, 4);
  rx.push('W1ABC', rtp(7000), p0!, false);
  for (let i = 0; i < 20; i++, now += 40) rx.tick();
  assert.deepEqual(started, [], 'the self-test frame starts nothing');
  assert.equal(slots.length, 0, 'and is not played');
  assert.equal(rx.stats('W1ABC')!.unconfirmed, 1);
  // A transmission whose PTT_START was lost proves itself with a few frames.
  rx.push('W1ABC', rtp(100), p1!, false);
  now += 40;
  rx.push('W1ABC', rtp(101), p2!, false);
  now += 40;
  rx.push('W1ABC', rtp(102), p3!, false);
  for (let i = 0; i < 20; i++, now += 40) rx.tick();
  assert.deepEqual(started, ['W1ABC']);
  assert.equal(slots.filter((s) => s !== null).length, 3, 'all three played and recorded');
  await rx.close();
});
