// run-tests: alone (it judges played audio against the wall clock; see scripts/run-tests.mjs)
// The real ALSA path end to end, checked by what comes out: a talker captures through
// arecord from an ALSA `file` device fed with the speech fixture (a device with no clock
// of its own: it hands the whole file over at once unless the station paces it), a
// listener plays through aplay into a `file` sink, and the sink's samples must be the
// speech. The talker's counters say its capture ran at 40 ms frames with no gaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, startStation } from './support/stations.js';
import { activeSpan, bestAlignment } from './support/audio-compare.js';
import { makeFileAlsaHome } from '../helpers/alsa.js';
import { speechWav } from '../helpers/paths.js';
import { decodeTransmission, readWav } from '../../src/station/voice/files.js';
import { samplesFromBytes } from '../../src/audio/wav-format.js';
import { HistoryStore } from '../../src/station/history.js';
import type { TransmissionEntry } from '../../src/station/types.js';

const VOICE_ONLY = ['--no-chat-cue', '--no-courtesy-tone'];
/** Opus at 16 kbit/s against the original fixture (not its decode): well above chance, below a straight copy (0.9 measured). */
const MIN_CORRELATION = 0.75;
const PIECE = 9600;

/**
 * Median correlation of `ref`'s 200 ms pieces that carry sound with `rec`, the first
 * found within ±2 frames of `at`, each next within ±2 frames of where the last one was.
 */
function piecewise(rec: Int16Array, ref: Int16Array, at: number): number {
  const rs: number[] = [];
  let expect = at;
  for (let o = 0; o + PIECE <= ref.length; o += PIECE) {
    const piece = ref.subarray(o, o + PIECE);
    const { offset, r } = bestAlignment(rec, piece, expect, 1920 * 2);
    expect = offset + PIECE;
    let energy = 0;
    for (const x of piece) energy += x * x;
    if (Math.sqrt(energy / PIECE) > 300) rs.push(r);
  }
  rs.sort((a, b) => a - b);
  return rs.length === 0 ? 0 : rs[Math.floor(rs.length / 2)]!;
}

test('speech captured through ALSA (a clockless file device) is heard through ALSA playback by content, with no capture gaps', async (t) => {
  const speech = await readWav(speechWav);
  const srv = await startServer([], t);
  const talkerAlsa = makeFileAlsaHome(speechWav);
  const listenerAlsa = makeFileAlsaHome(speechWav);
  const talker = await startStation('W1ABC', srv.port, [...VOICE_ONLY, '--audio-in-device', 'opvmic'], { home: talkerAlsa.home, t });
  const listener = await startStation('VE3XYZ', srv.port, [...VOICE_ONLY, '--audio-out-device', 'opvspk'], { home: listenerAlsa.home, t });
  for (const s of [talker, listener]) await s.proc.waitForLine(/connected to server/);
  assert.doesNotMatch(talker.proc.output + listener.proc.output, /no microphone|no audio output/);

  // Hold PTT a little longer than the fixture (7.3 s; silence follows it on the device):
  // a fixed wait, as the length of the transmission is the test's to choose.
  const holdMs = 7800;
  talker.proc.sendLine('/ptt on');
  await new Promise((r) => setTimeout(r, holdMs));
  talker.proc.sendLine('/ptt off');
  await listener.proc.waitForLine(/📼 .*⬅ W1ABC transmission/, 5000);
  const mark = talker.proc.output.length;
  talker.proc.sendLine('/status');
  const mic = await talker.proc.waitForLine(/microphone: \d+ frames captured/, 5000, mark);
  const lmark = listener.proc.output.length;
  listener.proc.sendLine('/status');
  const rx = await listener.proc.waitForLine(/W1ABC: \d+ received/, 5000, lmark);
  for (const s of [talker, listener]) {
    s.proc.sendLine('quit');
    assert.equal(await s.proc.wait(), 0, s.proc.output);
  }

  // Capture: one frame per 40 ms of PTT, paced (not the whole device at once), none dropped, no gaps.
  const m = /(\d+) frames captured, (\d+) sent at 40 ms pace, (\d+) dropped \(device ran ahead\), (\d+) gaps/.exec(mic);
  assert.ok(m, mic);
  const [sent, dropped, gaps] = [Number(m[2]), Number(m[3]), Number(m[4])];
  assert.equal(dropped, 0, mic);
  assert.equal(gaps, 0, mic);
  assert.ok(Math.abs(sent - holdMs / 40) <= 8, `${sent} frames sent over a ${holdMs} ms PTT: ${mic}`);
  const h = HistoryStore.open(talker.dataDir, { maxEntries: 1000, maxAgeDays: 30 });
  const out = h.list().filter((e): e is TransmissionEntry => e.type === 'transmission' && e.direction === 'out').pop();
  assert.ok(out, 'the talker recorded its transmission');
  assert.equal(out.frames, sent, 'every frame captured was sent');
  assert.ok(Math.abs(out.durationMs - holdMs) < 600, `transmission lasted ${out.durationMs} ms for a ${holdMs} ms PTT`);

  // Playback: what aplay wrote into the listener's sink is the speech. Compared in 200 ms
  // pieces, each aligned near where the last one was found, so a frame the playout had to
  // conceal on a loaded machine (the counters below say how many) shifts the rest, not
  // the verdict.
  const rxCounts = /(\d+) lost, (\d+) late, \d+ duplicate, (\d+) underruns, (\d+) concealed/.exec(rx);
  assert.ok(rxCounts, rx);
  const slack = 3 + rxCounts.slice(1).reduce((a, x) => a + Number(x), 0);
  const played = samplesFromBytes(readFileSync(listenerAlsa.played));
  const span = activeSpan(played, 50);
  assert.ok(span, `the sink got ${played.length} samples, all silent`);
  const first = activeSpan(speech, 50)!;
  const playedFrames = (span.end - span.start) / 1920;
  const speechFrames = (first.end - first.start) / 1920;
  assert.ok(Math.abs(playedFrames - speechFrames) < slack, `played ${playedFrames.toFixed(1)} frames of sound, the fixture has ${speechFrames.toFixed(1)}; ${rx}`);
  const decoded = decodeTransmission(h.packets(out.id));
  const fixture = piecewise(played, speech.subarray(first.start, first.end), span.start);
  const sentDecode = piecewise(played, decoded.subarray(activeSpan(decoded, 50)!.start), span.start);
  console.log(`# ${rx.trim()}`);
  console.log(`# ALSA content: median correlation of 200 ms pieces with the fixture ${fixture.toFixed(3)}, with the talker's decode ${sentDecode.toFixed(3)}; ${mic.trim()}`);
  assert.ok(fixture > MIN_CORRELATION, `correlation ${fixture.toFixed(3)} with the fixture`);
  // The playback path itself adds nothing: what the talker sent, decoded, is what was played.
  assert.ok(sentDecode > 0.95, `correlation ${sentDecode.toFixed(3)} with what the talker sent`);
});
