import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeechQueue, HANG_MS, type SpeechState } from '../../../src/station/speech/speech-queue.js';
import { CHAT_CUE_HZ, COURTESY_TONE_HZ } from '../../../src/audio/tones.js';
import { toneShare } from '../../../src/audio/goertzel.js';
import { peak } from '../../../src/audio/headroom.js';

const FRAME = 1920;
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A queue with a fake renderer: each utterance is 0.2 s of one constant value, so
 * the output says which utterance played when. Time advances 40 ms per frame.
 */
function rig(opts: { speakChat?: boolean; chatCue?: boolean; courtesyTone?: boolean; maxQueued?: number } = {}) {
  let now = 0;
  let busy = false;
  const texts: string[] = [];
  const notices: string[] = [];
  const states: SpeechState[] = [];
  const q = new SpeechQueue({
    speakChat: opts.speakChat ?? true,
    chatCue: opts.chatCue ?? false,
    courtesyTone: opts.courtesyTone ?? false,
    maxQueued: opts.maxQueued,
    busy: () => busy,
    now: () => now,
    probe: async () => null,
    render: async (text) => {
      texts.push(text);
      return new Int16Array(9600).fill(100 + texts.length);
    },
  });
  q.on('notice', (n) => notices.push(n));
  q.on('state', (s) => states.push(s));
  /** Plays `frames` frames; returns what was played, concatenated. */
  const play = (frames: number): Int16Array => {
    const out = new Int16Array(frames * FRAME);
    for (let f = 0; f < frames; f++) {
      const mix = new Int16Array(FRAME);
      q.addTo(mix);
      out.set(mix, f * FRAME);
      now += 40;
    }
    return out;
  };
  /** The sequence of utterance values heard (runs of one constant value). */
  const heard = (pcm: Int16Array): number[] => {
    const seq: number[] = [];
    for (const v of pcm) if (v >= 100 && v < 200 && seq[seq.length - 1] !== v) seq.push(v);
    return seq;
  };
  return { q, texts, notices, states, play, heard, setBusy: (b: boolean) => (busy = b) };
}

test('on a quiet channel chat is spoken at once, in order, as "<phonetic> says: <text>"', async () => {
  const r = rig();
  r.q.chat('W1ABC', 'first');
  r.q.chat('VE3XYZ', 'second');
  await settle();
  await settle();
  assert.deepEqual(r.texts, ['Whiskey One Alpha Bravo Charlie says: first', 'Victor Echo Tree X-ray Yankee Zulu says: second']);
  const out = r.play(20);
  assert.deepEqual(r.heard(out), [101, 102]);
  // The first frame already carries speech: no waiting on a quiet channel.
  assert.equal(out[0], 101);
  assert.ok(r.states.some((s) => s.playing === 'W1ABC') && r.states.some((s) => s.playing === 'VE3XYZ'));
  assert.equal(r.q.state.playing, null);
});

test('speech waits while the channel is busy, then for the hang time, and is read again if cut off', async () => {
  const r = rig();
  r.setBusy(true);
  r.q.chat('W1ABC', 'hello');
  await settle();
  assert.equal(peak(r.play(25)), 0, 'nothing while someone talks');
  assert.equal(r.q.state.queued, 1);
  r.setBusy(false);
  const hangFrames = Math.ceil(HANG_MS / 40);
  assert.equal(peak(r.play(hangFrames - 1)), 0, 'nothing during the hang time');
  let out = r.play(2);
  assert.equal(r.heard(out).length, 1, 'speech starts once the channel has been quiet long enough');
  // Someone keys up half-way: speech stops in that frame (after a short fade).
  r.setBusy(true);
  out = r.play(3);
  assert.ok(peak(out.subarray(240)) === 0, 'cut off at once');
  assert.equal(r.q.state.queued, 1, 'the line is queued again');
  r.setBusy(false);
  out = r.play(hangFrames + 10);
  // Read again from its start: a full 9600 samples of it.
  assert.equal(out.filter((v) => v === 101).length, 9600);
});

test('the queue is bounded: the oldest lines give way and the skip is said and shown', async () => {
  const r = rig({ maxQueued: 3 });
  r.setBusy(true);
  for (let i = 1; i <= 5; i++) r.q.chat('W1ABC', `line ${i}`);
  assert.equal(r.q.state.skipped, 2);
  assert.equal(r.q.state.queued, 4, 'three lines and the notice');
  assert.ok(r.notices.some((n) => /2 chat lines not read aloud/.test(n)), r.notices.join('|'));
  for (let i = 0; i < 10; i++) await settle();
  r.setBusy(false);
  const order = r.heard(r.play(80)).map((v) => r.texts[v - 101]);
  assert.deepEqual(order, [
    '2 earlier messages skipped',
    'Whiskey One Alpha Bravo Charlie says: line 3',
    'Whiskey One Alpha Bravo Charlie says: line 4',
    'Whiskey One Alpha Bravo Charlie says: line 5',
  ]);
  assert.equal(r.q.state.queued, 0);
});

test('chat pips on arrival, the courtesy tone when the channel becomes free; both switchable', async () => {
  const r = rig({ speakChat: false, chatCue: true, courtesyTone: true });
  r.q.chat('W1ABC', 'x');
  let out = r.play(5);
  assert.ok(toneShare(out.subarray(0, 2400), CHAT_CUE_HZ, 48000) > 0.9);
  r.q.transmissionEnded(false);
  assert.equal(peak(r.play(5)), 0, 'no courtesy tone while another station still talks');
  r.q.transmissionEnded(true);
  out = r.play(5);
  assert.ok(toneShare(out.subarray(0, 7200), COURTESY_TONE_HZ, 48000) > 0.9);
  const off = rig({ speakChat: false, chatCue: false, courtesyTone: false });
  off.q.chat('W1ABC', 'x');
  off.q.transmissionEnded(true);
  assert.equal(peak(off.play(10)), 0);
});

test('a flood of chat does not beep on and on: at most four cues wait, the rest are dropped', () => {
  const r = rig({ speakChat: false, chatCue: true });
  for (let i = 0; i < 50; i++) r.q.chat('W1ABC', 'x');
  const out = r.play(30);
  let pips = 0;
  for (let i = 1; i < out.length; i++) if (out[i - 1] === 0 && out[i] !== 0 && (i < 2 || out[i - 2] === 0)) pips++;
  assert.ok(pips >= 8 && pips <= 8 + 2, `${pips} pip onsets`);
});

test('turning speech off drops what waits; espeak missing is one notice', async () => {
  const r = rig();
  r.setBusy(true);
  r.q.chat('W1ABC', 'a');
  await r.q.setSpeakChat(false);
  assert.equal(r.q.state.queued, 0);
  let notices = 0;
  const missing = new SpeechQueue({ speakChat: true, chatCue: false, courtesyTone: true, busy: () => false, probe: async () => 'espeak-ng is not installed' });
  missing.on('notice', () => notices++);
  assert.equal(await missing.probe(), false);
  missing.chat('W1ABC', 'hello');
  assert.equal(missing.state.queued, 0);
  assert.equal(notices, 1);
  assert.equal(missing.state.available, false);
});
