import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatCue, courtesyTone, tone, CUE_AMPLITUDE, CHAT_CUE_HZ, COURTESY_TONE_HZ, COURTESY_TONE_MS } from '../../src/audio/tones.js';
import { goertzelPower, toneShare } from '../../src/audio/goertzel.js';
import { addWithHeadroom, peak } from '../../src/audio/headroom.js';
import { resample } from '../../src/audio/resample.js';

test('the courtesy tone is 150 ms of 1000 Hz at −12 dBFS with soft edges', () => {
  const t = courtesyTone();
  assert.equal(t.length, (48000 * COURTESY_TONE_MS) / 1000);
  assert.ok(Math.abs(peak(t) - CUE_AMPLITUDE * 32767) < 40, `peak ${peak(t)}`);
  assert.ok(toneShare(t, COURTESY_TONE_HZ, 48000) > 0.9, `share ${toneShare(t, COURTESY_TONE_HZ, 48000)}`);
  assert.ok(toneShare(t, CHAT_CUE_HZ, 48000) < 0.05);
  // No click: the first and last samples are (near) zero.
  assert.ok(Math.abs(t[0]!) < 50 && Math.abs(t[t.length - 1]!) < 50);
});

test('the chat cue is two pips at 1600 Hz, told apart from the courtesy tone by pitch', () => {
  const c = chatCue();
  assert.equal(c.length, 6720); // 50 + 40 + 50 ms
  assert.ok(toneShare(c.subarray(0, 2400), CHAT_CUE_HZ, 48000) > 0.9);
  assert.ok(toneShare(c.subarray(0, 2400), COURTESY_TONE_HZ, 48000) < 0.05);
  assert.equal(peak(c.subarray(2400, 2400 + 1920)), 0, 'silence between the pips');
  assert.ok(peak(c) <= CUE_AMPLITUDE * 32767 + 1);
});

test('tones are generated at the rate asked for', () => {
  const t = tone(440, 100, 0.5, 8000);
  assert.equal(t.length, 800);
  assert.ok(goertzelPower(t, 440, 8000) > 10 * goertzelPower(t, 880, 8000));
});

test('an announcement added to a loud frame is lowered so nothing clips; voice is untouched', () => {
  const voice = new Int16Array(1920);
  for (let i = 0; i < voice.length; i++) voice[i] = Math.round(30000 * Math.sin(i / 7));
  const mix = voice.slice();
  const cue = courtesyTone().subarray(0, 1920);
  const gain = addWithHeadroom(mix, cue);
  assert.ok(gain < 1 && gain >= 0, `gain ${gain}`);
  let clipped = 0;
  for (let i = 0; i < mix.length; i++) if (mix[i] === 32767 || mix[i] === -32768) clipped++;
  assert.ok(clipped <= 2, `${clipped} samples at full scale`);
  // Where voice alone: the mix minus the scaled cue is the voice.
  for (let i = 0; i < mix.length; i++) assert.ok(Math.abs(mix[i]! - voice[i]! - Math.trunc(cue[i]! * gain)) <= 0);
  // On a quiet channel the cue is added at full level.
  const quiet = new Int16Array(1920);
  assert.equal(addWithHeadroom(quiet, cue), 1);
  assert.deepEqual(quiet, cue.slice());
});

test('resampling 22 050 → 48 000 Hz keeps pitch and duration and adds no images', () => {
  const n = 22050;
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 22050));
  const y = resample(x, 22050, 48000);
  assert.equal(y.length, 48000);
  const mid = y.subarray(4800, 43200);
  assert.ok(toneShare(mid, 1000, 48000) > 0.98, `share ${toneShare(mid, 1000, 48000)}`);
  // The image of 1 kHz around the old sampling rate (21.05 kHz) must be gone.
  assert.ok(goertzelPower(mid, 21050, 48000) < goertzelPower(mid, 1000, 48000) * 1e-3);
  assert.ok(Math.abs(peak(mid) - 16000) < 300, `peak ${peak(mid)}`);
  // Downsampling works too (the filter then removes what 8 kHz cannot hold).
  const z = resample(y, 48000, 8000);
  assert.equal(z.length, 8000);
  assert.ok(toneShare(z.subarray(800, 7200), 1000, 8000) > 0.98);
  assert.equal(resample(x, 22050, 22050).length, n);
});
