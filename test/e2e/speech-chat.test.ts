// run-tests: alone (it judges played audio against the wall clock; see scripts/run-tests.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, startStation } from './support/stations.js';
import { bestAlignment } from './support/audio-compare.js';
import { classify, espeakReference, findWindow, firstAbove, lastAbove, RATE, WIN } from './support/speech-analysis.js';
import { speechWav } from '../helpers/paths.js';
import { readWav, decodeTransmission } from '../../src/station/voice/files.js';
import { HistoryStore } from '../../src/station/history.js';
import type { TransmissionEntry } from '../../src/station/types.js';
import { UTTERANCE_GAP_MS } from '../../src/station/speech/speech-queue.js';
import { COURTESY_TONE_MS } from '../../src/audio/tones.js';
import { eventually } from '../helpers/eventually.js';
import { SAMPLES_PER_FRAME as FRAME } from '../../src/protocol/index.js';

/** Speech-duration tolerance: espeak's rendering vs what the station played (resampling, 5 ms windows). */
const TOL_S = 0.05;

function lastTx(dataDir: string, callsign: string): { entry: TransmissionEntry; pcm: Int16Array } {
  const h = HistoryStore.open(dataDir, { maxEntries: 1000, maxAgeDays: 30 });
  const e = h.list().filter((x): x is TransmissionEntry => x.type === 'transmission' && x.callsign === callsign).pop();
  assert.ok(e, `no transmission of ${callsign}`);
  return { entry: e, pcm: decodeTransmission(h.packets(e.id)) };
}

/** Seconds of the WAV being recorded since its first sound (0: silent so far). */
function wavSoundSeconds(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let pos = 44;
    let first = -1;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 1) return first < 0 ? 0 : (pos - first) / 2 / RATE;
      for (let i = 0; first < 0 && i + 1 < n; i += 2) if (buf.readInt16LE(i) !== 0) first = pos + i;
      pos += n - (n % 2);
    }
  } finally {
    closeSync(fd);
  }
}
const wavHasSound = (file: string): boolean => wavSoundSeconds(file) > 0;

function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return eventually(cond, what, timeoutMs, 50);
}

const s = (samples: number): string => `${(samples / RATE).toFixed(3)} s`;

test('chat heard during a transmission is spoken after it, after the courtesy tone, and markup is read literally', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-speech-'));
  const bWav = path.join(tmp, 'b.wav');
  const a = await startStation('W1ABC', srv.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const c = await startStation('K5XYZ', srv.port, ['--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--speak-chat', '--audio-out', bWav], { t });
  for (const x of [a, b, c]) await x.proc.waitForLine(/connected to server/);
  await b.proc.waitForLine(/chat is read aloud/);

  // A talks (7.4 s of speech) and types a line meanwhile, which goes out when A unkeys.
  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/W1ABC: PTT was pressed/);
  a.proc.sendLine('over to you');
  await a.proc.waitForLine(/buffered until PTT release/);
  await b.proc.waitForLine(/W1ABC: PTT was pressed/);
  // Two seconds into A's voice (not at its start, which a loaded machine may play a little differently).
  await until(() => wavSoundSeconds(bWav) > 2, "A's voice in b.wav");
  // C chats while A is on the air: B must hold the speech back.
  c.proc.sendLine('copy that, standing by');
  await b.proc.waitForLine(/📨 \[K5XYZ\]: copy that/);
  await b.proc.waitForLine(/chat queued for speech/);
  await a.proc.waitForLine(/PTT was released/, 20_000);
  await b.proc.waitForLine(/🗣️ +speaking K5XYZ's message/, 10_000);
  await b.proc.waitForLine(/🗣️ +speaking W1ABC's message/, 15_000);
  await b.proc.waitForLine(/🔈 speech done/, 15_000);

  // Then, on a quiet channel, a line full of shell and espeak markup.
  const marks = ['m1', 'm2'].map((m) => path.join(tmp, m));
  const nasty = `$(rm -rf /) <speak>hi</speak> [[h@l'oU]] \`touch ${marks[0]}\`; touch ${marks[1]}`;
  const from = b.proc.lines.length;
  c.proc.sendLine(nasty);
  await b.proc.waitForLine(/🗣️ +speaking K5XYZ's message/, 10_000, from);
  await b.proc.waitForLine(/🔈 speech done/, 20_000, from);
  for (const x of [a, b, c]) {
    x.proc.sendLine('quit');
    assert.equal(await x.proc.wait(), 0);
  }
  for (const m of marks) assert.equal(existsSync(m), false, `${m} exists: something was executed`);

  const rec = await readWav(bWav);
  const heard = lastTx(b.dataDir, 'W1ABC');
  assert.equal(heard.entry.framesLost, 0);
  // Where A's transmission ends in b.wav: the best match of the last second of B's own
  // decode of it. (Its first frames may differ: on a loaded machine a late packet at
  // the start is concealed, and the decoder takes a few frames to reconverge.)
  const onset = firstAbove(rec, 0, 0);
  const tail = heard.pcm.subarray(heard.pcm.length - RATE);
  const { offset: tailAt, r } = bestAlignment(rec, tail, onset + heard.pcm.length - RATE, RATE / 2);
  assert.ok(r > 0.8, `the end of A's voice in b.wav: correlation ${r.toFixed(3)}`);
  const voiceEnd = tailAt + RATE;
  const offset = voiceEnd - heard.pcm.length;

  // From a second in to the end of the transmission: C's chat pips are mixed over A's
  // voice (what is left when B's own decode of A is taken away is a 1600 Hz tone). The
  // decode is aligned by the transmission's end; before a frame that a loaded machine
  // played late (concealed, then caught up), the playback sits a whole frame or two
  // off, so each window is also tried that many frames either side.
  const residualAt = (at: number, shift: number): Int16Array => {
    const w = new Int16Array(WIN);
    for (let i = 0; i < WIN; i++) w[i] = (rec[offset + RATE + at + i + shift] ?? 0) - heard.pcm[RATE + at + i]!;
    return w;
  };
  let pipWindows = 0;
  for (let at = 0; at + WIN <= heard.pcm.length - RATE; at += WIN) {
    if ([0, -FRAME, FRAME, -2 * FRAME, 2 * FRAME].some((shift) => classify(residualAt(at, shift), 200) === 'chat-cue')) pipWindows++;
  }
  assert.ok(pipWindows >= 10, `chat pips during the transmission: ${pipWindows} windows`);
  // Speech began once, after A unkeyed: never started (and cut off) during the transmission.
  const bLines = b.proc.lines;
  const released = bLines.findIndex((l) => /W1ABC: PTT was released/.test(l));
  const spokeC = bLines.findIndex((l) => /speaking K5XYZ's message/.test(l));
  assert.ok(released >= 0 && spokeC > released, `B's output:\n${bLines.join('\n')}`);
  assert.equal(bLines.slice(0, bLines.findIndex((l) => /📨 \[K5XYZ\]: \$\(rm/.test(l))).filter((l) => /🗣️ +speaking/.test(l)).length, 2);

  // The courtesy tone follows the end of A's transmission.
  const courtesy = findWindow(rec, 'courtesy', voiceEnd - 2 * WIN, voiceEnd + RATE / 2);
  assert.ok(courtesy >= 0, 'no 1000 Hz courtesy tone within 0.5 s of the end of the transmission');
  let courtesyWindows = 0;
  for (let at = courtesy; classify(rec.subarray(at, at + WIN)) === 'courtesy'; at += WIN) courtesyWindows++;
  assert.ok(courtesyWindows * 5 >= COURTESY_TONE_MS - 20, `courtesy tone ${courtesyWindows * 5} ms`);

  // Speech: the first window that is neither silence nor a cue, after the transmission.
  const speech1 = findWindow(rec, 'other', voiceEnd, rec.length, 4);
  assert.ok(speech1 > courtesy, `speech at ${s(speech1)} before the courtesy tone at ${s(courtesy)}`);
  const start1 = firstAbove(rec, speech1 - WIN, 50);
  assert.ok(start1 >= voiceEnd, `speech at ${s(start1)} starts before the transmission ends at ${s(voiceEnd)}`);

  // Two utterances back to back: C's (heard during the transmission) then A's.
  const refC = espeakReference('Kilo Fife X-ray Yankee Zulu says: copy that, standing by');
  const refA = espeakReference('Whiskey One Alpha Bravo Charlie says: over to you');
  const gap = UTTERANCE_GAP_MS / 1000;
  // The gap between them is where espeak's rendering of C's line says it is.
  const endC = start1 + Math.round((refC.last - refC.first) * RATE);
  const startA = start1 + Math.round((refC.total - refC.first + gap + refA.first) * RATE);
  assert.equal(lastAbove(rec, endC + Math.round(TOL_S * RATE), startA - Math.round(TOL_S * RATE), 50), -1, 'silence between the two utterances');
  // The markup line comes next, announced by its chat pips.
  const nastyCue = findWindow(rec, 'chat-cue', startA);
  assert.ok(nastyCue > startA, 'chat pips of the markup line');
  // (The pips' first window, half silence, is not "a cue" yet: stop 50 ms short; espeak's
  // own trailing silence, ~0.3 s, lies between the end of A's line and these pips.)
  const end2 = lastAbove(rec, start1, nastyCue - 10 * WIN, 50) + 1;
  const measured = (end2 - start1) / RATE;
  const expected = refC.total - refC.first + gap + refA.last;
  assert.ok(Math.abs(measured - expected) <= TOL_S, `two utterances: ${measured.toFixed(3)} s played, espeak-ng says ${expected.toFixed(3)} s`);

  // The markup line: spoken as text, exactly as long as espeak's literal rendering.
  const literal = espeakReference(`Kilo Fife X-ray Yankee Zulu says: ${nasty.replace(/\[\[/g, '[ [')}`);
  const asPhonemes = espeakReference(`Kilo Fife X-ray Yankee Zulu says: ${nasty}`);
  const speech3 = findWindow(rec, 'other', nastyCue, rec.length, 4);
  assert.ok(speech3 > 0, 'the markup line was spoken');
  const start3 = firstAbove(rec, speech3 - WIN, 50);
  const end3 = lastAbove(rec, start3, rec.length, 50) + 1;
  const got = (end3 - start3) / RATE;
  const want = literal.last - literal.first;
  assert.ok(Math.abs(got - want) <= TOL_S, `markup line: ${got.toFixed(3)} s played, espeak-ng's literal rendering ${want.toFixed(3)} s`);
  assert.ok(Math.abs(asPhonemes.last - asPhonemes.first - want) > 5 * TOL_S, 'the test tells literal text from phoneme input');
});

test('without espeak-ng the station says so once and still chats, with cues', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-nospeech-'));
  // A PATH with node on it and no espeak-ng.
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  const bWav = path.join(tmp, 'b.wav');
  const b = await startStation('VE3XYZ', srv.port, ['--speak-chat', '--no-audio', '--audio-out', bWav], { env: { PATH: bin }, t });
  await b.proc.waitForLine(/connected to server/);
  const notice = await b.proc.waitForLine(/espeak-ng is not installed/);
  assert.match(notice, /chat will not be spoken/);
  a.proc.sendLine('can you hear me');
  await b.proc.waitForLine(/📨 \[W1ABC\]: can you hear me/);
  b.proc.sendLine('yes, on screen');
  await a.proc.waitForLine(/📨 \[VE3XYZ\]: yes, on screen/);
  await until(() => wavHasSound(bWav), 'the chat pips in b.wav');
  for (const x of [a, b]) {
    x.proc.sendLine('quit');
    assert.equal(await x.proc.wait(), 0);
  }
  assert.equal(b.proc.count(/espeak-ng is not installed/), 1);
  const rec = await readWav(bWav);
  assert.ok(findWindow(rec, 'chat-cue', 0) >= 0, 'the chat cue still sounds');
  assert.equal(findWindow(rec, 'other', 0, rec.length, 4), -1, 'nothing but the cue');
});

test('/speak on and /speak off in line mode', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-speak-cmd-'));
  const bWav = path.join(tmp, 'b.wav');
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio', '--audio-out', bWav, '--no-chat-cue'], { t });
  await b.proc.waitForLine(/connected to server/);
  assert.equal(b.proc.count(/read aloud/), 0, 'off by default');
  b.proc.sendLine('/speak on');
  await b.proc.waitForLine(/🗣️ +chat is read aloud/);
  b.proc.sendLine('status');
  await b.proc.waitForLine(/chat read aloud: on/);
  a.proc.sendLine('first line');
  await b.proc.waitForLine(/🗣️ +speaking W1ABC's message/);
  await b.proc.waitForLine(/🔈 speech done/);
  b.proc.sendLine('/speak off');
  await b.proc.waitForLine(/🔕 chat is no longer read aloud/);
  b.proc.sendLine('status');
  await b.proc.waitForLine(/chat read aloud: off/);
  a.proc.sendLine('second line');
  await b.proc.waitForLine(/📨 \[W1ABC\]: second line/);
  b.proc.sendLine('/speak maybe');
  await b.proc.waitForLine(/usage: \/speak \[on\|off\]/);
  for (const x of [a, b]) {
    x.proc.sendLine('quit');
    assert.equal(await x.proc.wait(), 0);
  }
  assert.equal(b.proc.count(/🗣️ +speaking/), 1, 'the second line was not spoken');
  // Exactly one utterance in the recording, as long as espeak-ng's rendering of it.
  const rec = await readWav(bWav);
  const start = firstAbove(rec, 0, 50);
  const end = lastAbove(rec, 0, rec.length, 50) + 1;
  const ref = espeakReference('Whiskey One Alpha Bravo Charlie says: first line');
  assert.ok(Math.abs((end - start) / RATE - (ref.last - ref.first)) <= TOL_S, `${((end - start) / RATE).toFixed(3)} s vs ${(ref.last - ref.first).toFixed(3)} s`);
});
