import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavStreamHeader } from '../../src/audio/wav-stream-header.js';
import { wavHeader } from '../../src/audio/wav-format.js';

function run(chunks: Buffer[]): Buffer {
  const out: Buffer[] = [];
  const h = new WavStreamHeader((b) => out.push(b));
  for (const c of chunks) h.push(c);
  return Buffer.concat(out);
}

const samples = Buffer.from(Array.from({ length: 200 }, (_, i) => i & 0xff));

test("arecord's WAV header is stripped, however the pipe splits it", () => {
  const stream = Buffer.concat([wavHeader(0x7fffffff), samples]);
  for (const cut of [1, 5, 11, 12, 30, 43, 44, 45, 100]) {
    assert.deepEqual(run([stream.subarray(0, cut), stream.subarray(cut)]), samples, `cut at ${cut}`);
  }
  assert.deepEqual(run([...stream].map((b) => Buffer.from([b]))), samples, 'one byte at a time');
});

test('a header with an extra chunk before data is skipped too; raw samples pass untouched', () => {
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([6, 0, 0, 0]), Buffer.from('abcdef')]);
  const h = wavHeader(100);
  const withList = Buffer.concat([h.subarray(0, 36), list, h.subarray(36), samples]);
  assert.deepEqual(run([withList]), samples);
  assert.deepEqual(run([samples.subarray(0, 7), samples.subarray(7)]), samples);
});
