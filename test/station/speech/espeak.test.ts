import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  parseWavStream,
  probeEspeak,
  renderSpeech,
  speakableText,
  SpeechUnavailable,
  MAX_SPOKEN_CHARS,
  SPEECH_GAIN,
} from '../../../src/station/speech/espeak.js';
import { peak } from '../../../src/audio/headroom.js';

test('received text is made literal: no phoneme brackets, no control characters, bounded', () => {
  assert.equal(speakableText("[[h@l'oU]]"), "[ [h@l'oU]]");
  assert.equal(speakableText('a [[[ b'), 'a [ [ [ b');
  assert.equal(speakableText('x\u0001y\n\tz\u009b'), 'x y z');
  assert.equal(speakableText('<speak>hi</speak>'), '<speak>hi</speak>');
  assert.equal(speakableText('y'.repeat(1000)).length, MAX_SPOKEN_CHARS);
  assert.equal(speakableText('['.repeat(MAX_SPOKEN_CHARS + 5)).includes('[['), false);
});

test('a streamed WAV (placeholder sizes, as espeak-ng writes to a pipe) is read to its end', () => {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(0x7ffff024, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(22050, 24);
  h.writeUInt32LE(44100, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(0x7ffff000, 40);
  const body = Buffer.alloc(7);
  body.writeInt16LE(-5, 0);
  body.writeInt16LE(1234, 2);
  const { pcm, rate } = parseWavStream(Buffer.concat([h, body]));
  assert.equal(rate, 22050);
  assert.deepEqual([...pcm], [-5, 1234, 0]);
  assert.throws(() => parseWavStream(Buffer.from('not a wav at all, really')), /not a WAV/);
});

test('espeak-ng renders at 48 kHz, at −6 dBFS peak, and reads [[…]] as text, not phonemes', async () => {
  const hello = await renderSpeech('hello');
  const phonemes = await renderSpeech("[[h@l'oU]]");
  // "hello" is about 0.7 s; the brackets read literally take clearly longer.
  assert.ok(hello.length > 0.4 * 48000 && hello.length < 1.2 * 48000, `hello: ${hello.length}`);
  assert.ok(phonemes.length > 1.6 * hello.length, `[[h@l'oU]] ${phonemes.length} vs hello ${hello.length}`);
  assert.ok(peak(hello) <= SPEECH_GAIN * 32768 && peak(hello) > 0.2 * 32768, `peak ${peak(hello)}`);
});

test('shell metacharacters are only text to espeak-ng: nothing runs', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-inject-'));
  const marks = ['a', 'b', 'c'].map((x) => path.join(dir, x));
  const text = `$(touch ${marks[0]}) \`touch ${marks[1]}\`; touch ${marks[2]} | $(rm -rf /)`;
  const pcm = await renderSpeech(text);
  assert.ok(pcm.length > 48000, 'it was spoken');
  for (const m of marks) assert.equal(existsSync(m), false, `${m} was created`);
});

test('a missing espeak-ng is reported, not thrown at the station', async () => {
  assert.match((await probeEspeak('/nonexistent/espeak-ng')) ?? '', /not installed/);
  assert.equal(await probeEspeak(), null);
  await assert.rejects(renderSpeech('x', { command: '/nonexistent/espeak-ng' }), SpeechUnavailable);
});
