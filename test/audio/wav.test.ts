import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AudioDeviceError, openCapture, openPlayback, WavCapture, WavSink } from '../../src/audio/index.js';
import { parseWavHeader, wavHeader, WavFormatError } from '../../src/audio/wav-format.js';
import fc from 'fast-check';
import { readWav, writeWav } from '../../src/station/voice/files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'opv-audio-wav-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function ramp(n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => (i % 30000) - 15000);
}

async function captureAll(src: WavCapture): Promise<{ frames: Int16Array[]; at: number[]; elapsed: number }> {
  const frames: Int16Array[] = [];
  const at: number[] = [];
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    void src.start(
      (f) => {
        frames.push(f);
        at.push(performance.now() - t0);
      },
      resolve,
    );
  });
  return { frames, at, elapsed: performance.now() - t0 };
}

test('a WAV microphone delivers the whole file in 1920-sample frames at real-time pace, then ends', async () => {
  const pcm = ramp(1920 * 20 + 700); // 20 full frames and a partial one
  const f = path.join(dir, 'mic.wav');
  await writeWav(f, pcm);
  const src = (await openCapture({ kind: 'wav', file: f })) as WavCapture;
  assert.equal(src.frameCount, 21);
  const { frames, at, elapsed } = await captureAll(src);
  assert.equal(frames.length, 21);
  assert.ok(frames.every((x) => x.length === 1920));
  const joined = new Int16Array(21 * 1920);
  frames.forEach((x, i) => joined.set(x, i * 1920));
  assert.deepEqual(joined.subarray(0, pcm.length), pcm);
  assert.ok(joined.subarray(pcm.length).every((s) => s === 0), 'the last frame is padded with silence');
  // Frame k is due at (k+1) × 40 ms: the 21st at 840 ms. Never early; late only by timer slack.
  assert.ok(at[0]! >= 39, `first frame at ${at[0]!} ms`);
  assert.ok(elapsed >= 21 * 40 - 1, `ended after ${elapsed} ms`);
  assert.ok(elapsed < 21 * 40 + 400, `ended after ${elapsed} ms`);
  // Drift-free: frame k is never delivered before its absolute due time.
  at.forEach((t, k) => assert.ok(t >= (k + 1) * 40 - 1, `frame ${k} at ${t.toFixed(1)} ms`));
  await src.close();
});

test('each start() plays the file from its beginning; stop() halts delivery', async () => {
  const f = path.join(dir, 'again.wav');
  await writeWav(f, ramp(1920 * 3));
  const src = WavCapture.open(f);
  const first = await captureAll(src);
  const second = await captureAll(src);
  assert.deepEqual(second.frames, first.frames);
  let n = 0;
  await src.start(() => n++);
  await src.stop();
  const before = n;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(n, before, 'no frames after stop');
  await src.close();
});

test('a missing or malformed WAV input is an AudioDeviceError with one line', async () => {
  await assert.rejects(openCapture({ kind: 'wav', file: path.join(dir, 'nope.wav') }), (e: unknown) => {
    return e instanceof AudioDeviceError && /nope\.wav.*ENOENT/.test(e.message) && !e.message.includes('\n');
  });
  const bad = path.join(dir, 'bad.wav');
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(22050, 24);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  writeFileSync(bad, h);
  await assert.rejects(openCapture({ kind: 'wav', file: bad }), (e: unknown) => {
    return e instanceof AudioDeviceError && /22050 Hz, 2 channel/.test(e.message);
  });
});

test('the WAV recorder stores every frame in order with a correct header', async () => {
  const f = path.join(dir, 'rec.wav');
  const sink = await openPlayback({ kind: 'wav', file: f });
  const frames = Array.from({ length: 60 }, (_, k) => new Int16Array(1920).fill(k * 100 - 3000));
  for (const fr of frames) sink.write(fr);
  await sink.close();
  const back = await readWav(f);
  assert.equal(back.length, 60 * 1920);
  frames.forEach((fr, k) => assert.deepEqual(back.subarray(k * 1920, (k + 1) * 1920), fr));
  const bytes = readFileSync(f);
  assert.equal(bytes.readUInt32LE(40), 60 * 1920 * 2);
  assert.equal(bytes.readUInt32LE(4), 36 + 60 * 1920 * 2);
});

test('a recorder that is never closed (killed station) still leaves a readable file', async () => {
  const f = path.join(dir, 'killed.wav');
  const sink = WavSink.open(f);
  for (let k = 0; k < 30; k++) sink.write(new Int16Array(1920).fill(k));
  // No close(): the header was patched after 25 frames; the reader trusts the file's length.
  const bytes = readFileSync(f);
  assert.equal(bytes.readUInt32LE(40), 25 * 1920 * 2);
  const layout = parseWavHeader(bytes, bytes.length, f);
  assert.equal(layout.dataBytes, 25 * 1920 * 2);
  const zeroed = Buffer.from(bytes);
  zeroed.writeUInt32LE(0, 40);
  assert.equal(parseWavHeader(zeroed, zeroed.length, f).dataBytes, 30 * 1920 * 2);
  await sink.close();
  assert.equal((await readWav(f)).length, 30 * 1920);
});

test('an unwritable recording path or a full disk is an AudioDeviceError', async () => {
  await assert.rejects(
    openPlayback({ kind: 'wav', file: path.join(dir, 'no', 'such', 'dir', 'x.wav') }),
    (e: unknown) => e instanceof AudioDeviceError && /ENOENT/.test(e.message),
  );
  await assert.rejects(
    openPlayback({ kind: 'wav', file: '/dev/full' }),
    (e: unknown) => e instanceof AudioDeviceError && /ENOSPC/.test(e.message),
  );
});

test('the none back-end never delivers and discards', async () => {
  const cap = await openCapture({ kind: 'none' });
  let got = 0;
  await cap.start(() => got++, () => got++);
  const out = await openPlayback({ kind: 'none' });
  out.write(new Int16Array(1920));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got, 0);
  await cap.close();
  await out.close();
});

test('hostile WAV headers are values: only WavFormatError, never another exception or a bad layout', () => {
  const valid = Buffer.concat([wavHeader(3840), Buffer.alloc(3840)]);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      fc.nat({ max: valid.length }),
      (edits, cut) => {
        const bytes = Buffer.from(valid.subarray(0, cut));
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        try {
          const l = parseWavHeader(bytes, bytes.length, 'fuzz.wav');
          assert.ok(l.dataOffset >= 12 && l.dataOffset + l.dataBytes <= bytes.length && l.dataBytes % 2 === 0);
        } catch (e) {
          assert.ok(e instanceof WavFormatError, String(e));
          assert.ok(e.message.startsWith('fuzz.wav: '));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('a WAV microphone that stalls goes on late, every frame in turn, never in a burst', async () => {
  const pcm = ramp(1920 * 12);
  const f = path.join(dir, 'stall.wav');
  await writeWav(f, pcm);
  // The capture's clock jumps 400 ms (the process stalled) during the third frame.
  let offset = 0;
  const src = WavCapture.open(f, { now: () => performance.now() + offset });
  const frames: Int16Array[] = [];
  const at: number[] = [];
  await new Promise<void>((resolve) => {
    void src.start((x) => {
      frames.push(x);
      at.push(performance.now());
      if (frames.length === 3) offset += 400;
    }, resolve);
  });
  const joined = new Int16Array(frames.length * 1920);
  frames.forEach((x, i) => joined.set(x, i * 1920));
  assert.deepEqual(joined, pcm, 'every frame, in order');
  // Ten slots were overdue at once: a burst would send them back to back.
  const together = at.slice(1).filter((t, i) => t - at[i]! < 10).length;
  assert.ok(together <= 1, `${together} frames came together: ${at.map((t) => (t - at[0]!).toFixed(0)).join(', ')}`);
  await src.close();
});
