import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VoiceEncoder } from '../../../src/station/voice/encoder.js';
import {
  decodeTransmission,
  exportTransmission,
  ExportFormatError,
  readWav,
  writeOggOpus,
  writeWav,
  WavFormatError,
} from '../../../src/station/voice/files.js';
import { existsSync } from 'node:fs';
import { oggCrc } from '../../../src/station/voice/ogg-opus.js';
import { speechWav } from '../../helpers/paths.js';
import { bestLag } from './signal.js';
import fc from 'fast-check';

const dir = mkdtempSync(path.join(tmpdir(), 'opv-voice-files-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const hasOpusTools = spawnSync('opusinfo', ['-V']).error === undefined;

async function speechPackets(): Promise<{ pcm: Int16Array; packets: Uint8Array[] }> {
  const pcm = await readWav(speechWav);
  const enc = new VoiceEncoder();
  const packets: Uint8Array[] = [];
  for (let o = 0; o + 1920 <= pcm.length; o += 1920) packets.push(enc.encode(pcm.subarray(o, o + 1920)));
  return { pcm, packets };
}

test('WAV round trip keeps every sample, and sox agrees on the format', async () => {
  const pcm = Int16Array.from({ length: 4801 }, (_, i) => ((i * 7919) % 65536) - 32768);
  const f = path.join(dir, 'rt.wav');
  await writeWav(f, pcm);
  assert.deepEqual(await readWav(f), pcm);
  const info = execFileSync('soxi', [f]).toString();
  assert.match(info, /Sample Rate\s*:\s*48000/);
  assert.match(info, /Channels\s*:\s*1/);
  assert.match(info, /4801 samples/);
});

test('WAVs in other formats and non-WAVs are refused with a clear error', async () => {
  const stereo = path.join(dir, 'stereo.wav');
  execFileSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', stereo, 'trim', '0', '0.1']);
  await assert.rejects(readWav(stereo), (e: unknown) => e instanceof WavFormatError && /44100 Hz, 2 channel/.test(e.message));
  const text = path.join(dir, 'notes.wav');
  writeFileSync(text, 'hello, this is not audio');
  await assert.rejects(readWav(text), (e: unknown) => e instanceof WavFormatError && e.message.includes('not a WAV'));
  const float = path.join(dir, 'float.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-e', 'floating-point', '-b', '32', float, 'trim', '0', '0.1']);
  await assert.rejects(readWav(float), WavFormatError);
});

test('Ogg CRC matches the known value for "OggS"-style input', () => {
  // CRC-32/MPEG-2 style without final xor and init 0 (the Ogg variant) of "123456789".
  assert.equal(oggCrc(new TextEncoder().encode('123456789')).toString(16), '89a1897f');
});

test('Ogg Opus export is a valid file: opusinfo accepts it and opusdec decodes the speech', { skip: !hasOpusTools && 'opus-tools not installed' }, async () => {
  const { pcm, packets } = await speechPackets();
  const ogg = path.join(dir, 'speech.opus');
  await writeOggOpus(ogg, packets);
  const info = execFileSync('opusinfo', [ogg]).toString();
  assert.doesNotMatch(info, /WARNING|Warning|error/);
  assert.match(info, /Channels: 1/);
  assert.match(info, /Playback length: 0m:07\.3/);
  assert.match(info, /Packet duration:\s+40\.0ms \(max\),\s+40\.0ms \(avg\),\s+40\.0ms \(min\)/);
  const wav = path.join(dir, 'speech-dec.wav');
  execFileSync('opusdec', ['--quiet', '--rate', '48000', ogg, wav]);
  const decoded = await readWav(wav);
  // opusdec drops the 312-sample pre-skip; libopus's true delay is 3 samples less, so
  // the decoded speech leads the original by those few samples.
  const { lag, corr } = bestLag(decoded, pcm, 20, 48000 * 3);
  assert.ok(lag <= 10, `residual delay ${lag}`);
  assert.ok(corr > 0.85, `correlation ${corr.toFixed(3)} at lag ${lag}`);
});

test('a corrupted Ogg page is noticed by opusinfo (the validation is real)', { skip: !hasOpusTools && 'opus-tools not installed' }, async () => {
  const { packets } = await speechPackets();
  const ogg = path.join(dir, 'bad.opus');
  await writeOggOpus(ogg, packets);
  const bytes = readFileSync(ogg);
  bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
  writeFileSync(ogg, bytes);
  const r = spawnSync('opusinfo', [ogg]);
  assert.match(r.stdout.toString() + r.stderr.toString(), /hole|corrupt|warning/i);
});

test('lost packets in an Ogg export keep the timing', { skip: !hasOpusTools && 'opus-tools not installed' }, async () => {
  const { packets } = await speechPackets();
  const ogg = path.join(dir, 'lossy.opus');
  await writeOggOpus(ogg, packets.map((p, i) => (i % 7 === 3 ? null : p)));
  const info = execFileSync('opusinfo', [ogg]).toString();
  assert.match(info, /Playback length: 0m:07\.3/);
  const wav = path.join(dir, 'lossy-dec.wav');
  execFileSync('opusdec', ['--quiet', '--rate', '48000', ogg, wav]);
  assert.equal((await readWav(wav)).length, packets.length * 1920 - 312);
});

test('decodeTransmission yields 1920 samples per packet or loss', async () => {
  const { packets } = await speechPackets();
  const out = decodeTransmission([packets[0]!, null, packets[2]!, null]);
  assert.equal(out.length, 4 * 1920);
});

test('Ogg files of any length (0..120 packets) pass opusinfo with the exact playback length', { skip: !hasOpusTools && 'opus-tools not installed' }, async () => {
  const { packets } = await speechPackets();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 2 ** 32 - 1 }), async (n, serial) => {
      const f = path.join(dir, `n${run++}.opus`);
      await writeOggOpus(f, packets.slice(0, n), { serial, comments: ['TITLE=W1AW 22:00', 'ENCODER=opv'] });
      const r = spawnSync('opusinfo', [f]);
      const out = r.stdout.toString() + r.stderr.toString();
      if (n === 0) {
        // Headers only: a legal, empty stream (a PTT press without audio).
        assert.match(out, /stream 1 is empty/);
        assert.doesNotMatch(out.replace(/WARNING: stream 1 is empty/, ''), /WARNING|hole|corrupt/i);
      } else {
        assert.doesNotMatch(out, /WARNING|Warning|hole|corrupt/i);
        const ms = n * 40 - 312 / 48;
        const m = /Playback length: (\d+)m:(\d+\.\d+)s/.exec(out);
        assert.ok(m !== null, out);
        assert.ok(Math.abs(Number(m[1]) * 60000 + Number(m[2]) * 1000 - ms) < 1.5, out);
      }
    }),
    { numRuns: 25 },
  );
});

test('exportTransmission picks the format from the file name and refuses others', async () => {
  const { packets } = await speechPackets();
  const some = packets.slice(0, 25);
  assert.equal(await exportTransmission(path.join(dir, 'x.WAV'), [...some, null]), 'wav');
  assert.equal((await readWav(path.join(dir, 'x.WAV'))).length, 26 * 1920);
  assert.equal(await exportTransmission(path.join(dir, 'x.opus'), some), 'ogg');
  assert.equal(await exportTransmission(path.join(dir, 'x.ogg'), some), 'ogg');
  assert.equal(readFileSync(path.join(dir, 'x.ogg')).subarray(0, 4).toString(), 'OggS');
  await assert.rejects(exportTransmission(path.join(dir, 'x.mp3'), some), (e: unknown) => e instanceof ExportFormatError && /x\.mp3/.test(e.message));
  assert.equal(existsSync(path.join(dir, 'x.mp3')), false);
});
