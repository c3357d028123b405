// run-tests: alone (it plays a lossy, jittered link through real timers; see scripts/run-tests.mjs)
/**
 * The whole voice path in real time, in one process: a WAV microphone → encoder →
 * a simulated network (timers: delay, jitter, loss) → VoiceReceiver on its own
 * playout clock → WAV recorder. What is recorded must be the transmission, whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RtpHeader } from '../../../src/protocol/index.js';
import { openCapture, openPlayback } from '../../../src/audio/index.js';
import { VoiceEncoder } from '../../../src/station/voice/encoder.js';
import { decodeTransmission, readWav, writeWav } from '../../../src/station/voice/files.js';
import { VoiceReceiver, type TransmissionEnded } from '../../../src/station/voice/receiver.js';
import { speechWav } from '../../helpers/paths.js';
import { ncc, rms } from './signal.js';

const FRAME = 1920;
const FRAMES = 75; // 3 s
const dir = mkdtempSync(path.join(tmpdir(), 'opv-pipeline-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function header(sequence: number): RtpHeader {
  return { version: 2, padding: false, extension: false, csrcCount: 0, marker: sequence === 0, payloadType: 96, sequence, timestamp: sequence * FRAME, ssrc: 7 };
}

interface Net {
  delayMs: number;
  jitterMs: number;
  loss: number;
  seed: number;
}

async function transmit(name: string, net: Net): Promise<{ sent: Uint8Array[]; dropped: Set<number>; rec: Int16Array; ended: TransmissionEnded }> {
  const mic = path.join(dir, `${name}-mic.wav`);
  await writeWav(mic, (await readWav(speechWav)).subarray(0, FRAMES * FRAME));
  const outFile = path.join(dir, `${name}-rx.wav`);
  const sink = await openPlayback({ kind: 'wav', file: outFile });
  const rx = new VoiceReceiver({ sink });
  const ended = new Promise<TransmissionEnded>((resolve) => rx.once('transmissionEnded', resolve));
  rx.start();

  let seed = net.seed;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 24;
  };
  const enc = new VoiceEncoder();
  const sent: Uint8Array[] = [];
  const dropped = new Set<number>();
  const capture = await openCapture({ kind: 'wav', file: mic });
  await new Promise<void>((resolve) => {
    void capture.start(
      (pcm) => {
        const seq = sent.length;
        const packet = enc.encode(pcm);
        sent.push(packet);
        // Keep the last packet: a loss at the very end is indistinguishable from the end.
        if (seq > 0 && seq < FRAMES - 1 && rand() < net.loss) {
          dropped.add(seq);
          return;
        }
        setTimeout(() => rx.push('W1AW', header(seq), packet), net.delayMs + (rand() * 2 - 1) * net.jitterMs);
      },
      () => {
        // PTT_STOP follows the last voice frame through the same network.
        setTimeout(() => rx.end('W1AW'), net.delayMs + (rand() * 2 - 1) * net.jitterMs);
        resolve();
      },
    );
  });
  const summary = await ended;
  // A few more ticks of silence after the talkspurt, then stop.
  const after = rx.framesOut + 5;
  await new Promise<void>((resolve) => {
    const poll = (): void => (rx.framesOut >= after ? resolve() : void setTimeout(poll, 20));
    poll();
  });
  await rx.close();
  await sink.close();
  await capture.close();
  return { sent, dropped, rec: await readWav(outFile), ended: summary };
}

/** Frame index where the transmission starts in the recording (first non-silent frame). */
function firstSound(rec: Int16Array): number {
  for (let k = 0; k * FRAME < rec.length; k++) if (rms(rec, k * FRAME, (k + 1) * FRAME) > 0) return k;
  return -1;
}

test('a clean link: the recording is the straight decode of the sent packets, sample for sample', async () => {
  const { sent, rec, ended } = await transmit('clean', { delayMs: 5, jitterMs: 0, loss: 0, seed: 1 });
  assert.equal(sent.length, FRAMES);
  const straight = decodeTransmission(sent);
  const start = firstSound(rec);
  assert.ok(start >= 0, 'something was played');
  // The straight decode's first frame may itself be near-silent; search a few frames back.
  let match = -1;
  for (let s = Math.max(0, start - 3); s <= start; s++) {
    if (rec.subarray(s * FRAME, (s + FRAMES) * FRAME).every((v, i) => v === straight[i])) match = s;
  }
  assert.ok(match >= 0, 'the recording contains the decoded transmission exactly');
  assert.equal(ended.frames, FRAMES);
  assert.equal(ended.lost, 0);
  assert.equal(ended.endedCleanly, true);
  // One frame per 40 ms of wall time: recording length tracks the 3 s talk + priming + tail.
  assert.ok(rec.length / FRAME >= FRAMES && rec.length / FRAME < FRAMES + 40, `${rec.length / FRAME} frames recorded`);
});

test('5 % loss and ±30 ms jitter: continuous audio of the right length that matches the speech', async () => {
  const { sent, dropped, rec, ended } = await transmit('rough', { delayMs: 40, jitterMs: 30, loss: 0.05, seed: 42 });
  assert.ok(dropped.size >= 1, 'the network did drop packets');
  const start = firstSound(rec);
  // Continuous: no silent frame inside the transmission (losses are concealed, not holes).
  let end = start;
  while ((end + 1) * FRAME <= rec.length && rms(rec, end * FRAME, (end + 1) * FRAME) > 0) end++;
  const length = end - start;
  assert.ok(Math.abs(length - FRAMES) <= 3, `${length} frames of continuous audio for ${FRAMES} sent`);
  assert.equal(ended.frames, FRAMES);
  assert.ok(ended.lost >= dropped.size && ended.lost <= dropped.size + 4, `lost ${ended.lost}, dropped ${dropped.size}`);
  // Matches the straight decode (with the network's losses) at the best frame offset.
  const straight = decodeTransmission(sent.map((p, i) => (dropped.has(i) ? null : p)));
  let best = 0;
  for (let s = Math.max(0, start - 3); s <= start + 3; s++) best = Math.max(best, ncc(straight, rec.subarray(s * FRAME), 0, FRAMES * FRAME));
  assert.ok(best > 0.8, `correlation ${best.toFixed(3)}`);
});
