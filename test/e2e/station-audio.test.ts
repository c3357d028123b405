// run-tests: alone (it judges played audio against the wall clock; see scripts/run-tests.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, startStation } from './support/stations.js';
import { activeSpan, bestAlignment } from './support/audio-compare.js';
import { speechWav } from '../helpers/paths.js';
import { lossyProxy } from '../helpers/udp-proxy.js';
import { readWav, decodeTransmission } from '../../src/station/voice/files.js';
import { mixFrames } from '../../src/station/voice/mixer.js';
import { HistoryStore } from '../../src/station/history.js';
import type { TransmissionEntry } from '../../src/station/types.js';
import { SAMPLES_PER_FRAME as FRAME } from '../../src/protocol/index.js';

/** These tests measure the recorded voice alone: no chat pips or courtesy tones in it. */
const VOICE_ONLY = ['--no-chat-cue', '--no-courtesy-tone'];

function lastTx(dataDir: string, callsign: string, direction: 'in' | 'out'): { entry: TransmissionEntry; pcm: Int16Array } {
  const h = HistoryStore.open(dataDir, { maxEntries: 1000, maxAgeDays: 30 });
  const e = h.list().filter((x): x is TransmissionEntry => x.type === 'transmission' && x.callsign === callsign && x.direction === direction).pop();
  assert.ok(e, `no ${direction} transmission of ${callsign} in ${dataDir}`);
  return { entry: e, pcm: decodeTransmission(h.packets(e.id)) };
}

test('speech from one station is heard by two others as a straight decode of what was sent', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-audio-'));
  const a = await startStation('W1ABC', srv.port, [...VOICE_ONLY, '--audio-in', speechWav, '--audio-out', path.join(tmp, 'a.wav')], { t });
  const b = await startStation('VE3XYZ', srv.port, [...VOICE_ONLY, '--audio-out', path.join(tmp, 'b.wav')], { t });
  const c = await startStation('K5XYZ', srv.port, [...VOICE_ONLY, '--audio-out', path.join(tmp, 'c.wav')], { t });
  for (const s of [a, b, c]) await s.proc.waitForLine(/connected to server/);
  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/PTT was released/, 15_000);
  for (const s of [b, c]) await s.proc.waitForLine(/📼 .*⬅ W1ABC transmission/, 5000);
  for (const s of [a, b, c]) {
    s.proc.sendLine('quit');
    assert.equal(await s.proc.wait(), 0);
  }
  const sent = lastTx(a.dataDir, 'W1ABC', 'out');
  assert.equal(sent.entry.framesLost, 0);
  for (const s of [b, c]) {
    const heard = lastTx(s.dataDir, 'W1ABC', 'in');
    assert.ok(Math.abs(heard.entry.frames - sent.entry.frames) <= 1, `${s.callsign}: ${heard.entry.frames} vs ${sent.entry.frames} frames`);
    assert.equal(heard.entry.framesLost, 0);
    const rec = await readWav(path.join(tmp, `${s.callsign === 'VE3XYZ' ? 'b' : 'c'}.wav`));
    const span = activeSpan(rec);
    assert.ok(span, 'something was played');
    const playedFrames = (span.end - span.start) / FRAME;
    assert.ok(Math.abs(playedFrames - sent.entry.frames) <= 1.5, `${s.callsign} played ${playedFrames.toFixed(2)} frames of ${sent.entry.frames}`);
    const { r } = bestAlignment(rec, sent.pcm, span.start, FRAME);
    assert.ok(r > 0.95, `${s.callsign}: correlation ${r.toFixed(3)}`);
  }
});

test('two stations transmitting at once are both heard, mixed, each with a complete history entry', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-duo-'));
  const a = await startStation('W1ABC', srv.port, [...VOICE_ONLY, '--audio-in', speechWav, '--audio-out', path.join(tmp, 'a.wav')], { t });
  const b = await startStation('VE3XYZ', srv.port, [...VOICE_ONLY, '--audio-in', speechWav, '--audio-out', path.join(tmp, 'b.wav')], { t });
  const c = await startStation('K5XYZ', srv.port, [...VOICE_ONLY, '--audio-out', path.join(tmp, 'c.wav')], { t });
  for (const s of [a, b, c]) await s.proc.waitForLine(/connected to server/);
  a.proc.sendLine('/ptt on');
  b.proc.sendLine('/ptt on');
  await c.proc.waitForLine(/📼 .*⬅ W1ABC transmission/, 15_000);
  await c.proc.waitForLine(/📼 .*⬅ VE3XYZ transmission/, 5000);
  // Each talker hears the other despite transmitting (full duplex on the wire).
  await a.proc.waitForLine(/📼 .*⬅ VE3XYZ transmission/, 5000);
  for (const s of [a, b, c]) {
    s.proc.sendLine('quit');
    assert.equal(await s.proc.wait(), 0);
  }
  const ta = lastTx(c.dataDir, 'W1ABC', 'in');
  const tb = lastTx(c.dataDir, 'VE3XYZ', 'in');
  for (const tx of [ta, tb]) {
    assert.ok(tx.entry.frames >= 182 && tx.entry.frames <= 186, `frames ${tx.entry.frames}`);
    assert.equal(tx.entry.framesLost, 0);
  }
  // The recording is the two talkers mixed: it correlates with the mix of both decodes.
  const rec = await readWav(path.join(tmp, 'c.wav'));
  const span = activeSpan(rec)!;
  const sa = lastTx(a.dataDir, 'W1ABC', 'out').pcm;
  const sb = lastTx(b.dataDir, 'VE3XYZ', 'out').pcm;
  // The mixer adds whole 40 ms frames, so B lies a whole number of frames after A in the
  // recording; the history's start times (taken on a busy machine, maybe late) say
  // about how many, and the nearest few are tried.
  const mixAt = (gap: number): Int16Array => {
    const n = Math.max(sa.length, sb.length + Math.abs(gap));
    const aPad = new Int16Array(n);
    const bPad = new Int16Array(n);
    aPad.set(sa, gap < 0 ? -gap : 0);
    bPad.set(sb, gap > 0 ? gap : 0);
    const mix = new Int16Array(n);
    mixFrames([aPad, bPad], mix);
    return mix;
  };
  const nominal = Math.round(((tb.entry.at - ta.entry.at) / 1000) * 48000 / FRAME) * FRAME;
  const first = bestAlignment(rec, mixAt(nominal), span.start, 9600);
  let r = first.r;
  for (const k of [-3, -2, -1, 1, 2, 3]) {
    const gap = nominal + k * FRAME;
    // The earlier talker leads the mix: while it stays the same one, the mix starts
    // where it did; otherwise it is searched for again.
    const same = Math.sign(gap) === Math.sign(nominal) || nominal === 0;
    r = Math.max(r, bestAlignment(rec, mixAt(gap), same ? first.offset : span.start, same ? 480 : 4 * FRAME).r);
  }
  assert.ok(r > 0.6, `mixed correlation ${r.toFixed(3)}`);
});

test('through 5 % loss and ±30 ms jitter the audio stays continuous and the right length', async (t) => {
  const srv = await startServer([], t);
  const proxy = await lossyProxy(srv.port, 0.05, 30, 7);
  t.after(() => proxy.close());
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-lossy-'));
  const a2 = await startStation('W1ABC', proxy.port, [...VOICE_ONLY, '--audio-in', speechWav, '--audio-out', path.join(tmp, 'a.wav')], { t });
  const b = await startStation('VE3XYZ', srv.port, [...VOICE_ONLY, '--audio-out', path.join(tmp, 'b.wav')], { t });
  await b.proc.waitForLine(/connected to server/);
  a2.proc.sendLine('hello through the proxy');
  // Chat is one frame here: with 5 % loss it may be lost, as on any lossy link.
  a2.proc.sendLine('/ptt on');
  await a2.proc.waitForLine(/PTT was released/, 15_000);
  const line = await b.proc.waitForLine(/📼 .*⬅ W1ABC transmission/, 8000);
  for (const s of [a2, b]) {
    s.proc.sendLine('quit');
    await s.proc.wait();
  }
  const sent = lastTx(a2.dataDir, 'W1ABC', 'out');
  const heard = lastTx(b.dataDir, 'W1ABC', 'in');
  assert.ok(proxy.dropped() > 0, 'the proxy dropped something');
  assert.ok(heard.entry.frames >= sent.entry.frames - 3, `${line}`);
  assert.ok(heard.entry.framesLost > 0 && heard.entry.framesLost < sent.entry.frames * 0.15, `lost ${heard.entry.framesLost}`);
  const rec = await readWav(path.join(tmp, 'b.wav'));
  const span = activeSpan(rec)!;
  const played = (span.end - span.start) / FRAME;
  // Concealment fills every lost frame: no gaps, the same length as what was sent.
  assert.ok(Math.abs(played - sent.entry.frames) <= 3, `played ${played.toFixed(1)} frames of ${sent.entry.frames}`);
  let longestSilence = 0;
  let run = 0;
  for (let i = span.start; i < span.end; i++) {
    run = rec[i] === 0 ? run + 1 : 0;
    longestSilence = Math.max(longestSilence, run);
  }
  assert.ok(longestSilence < FRAME, `a gap of ${longestSilence} silent samples inside the transmission`);
  const { r } = bestAlignment(rec, sent.pcm, span.start, FRAME * 3);
  assert.ok(r > 0.5, `correlation ${r.toFixed(3)}`);
});
