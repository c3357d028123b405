import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OpusCodec, OPUS_SET_VBR } from '../../../src/station/voice/opus-binding.js';
import { padOpusPacket, parseOpusFrames } from '../../../src/station/voice/opus-packet.js';
import { VoiceDecoder } from '../../../src/station/voice/decoder.js';
import { bytesFromSamples } from '../../../src/audio/wav-format.js';

/** Variable-size packets of various framings from a VBR encoder at several frame sizes. */
function vbrPackets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [bitrate, samples] of [[16000, 1920], [64000, 1920], [12000, 960], [96000, 2880], [8000, 480]] as const) {
    const enc = new OpusCodec(48000, 1);
    enc.setBitrate(bitrate);
    enc.applyEncoderCTL(OPUS_SET_VBR, 1);
    for (let k = 0; k < 12; k++) {
      const pcm = Int16Array.from({ length: samples }, (_, i) =>
        Math.round(9000 * Math.sin((2 * Math.PI * (200 + 90 * k) * (i + k * samples)) / 48000) * (k % 3 === 0 ? 0.05 : 1)),
      );
      out.push(Uint8Array.from(enc.encode(bytesFromSamples(pcm))));
    }
  }
  return out;
}

function decodeAll(packets: Uint8Array[]): Int16Array[] {
  const d = new VoiceDecoder();
  return packets.map((p) => d.decode(p));
}

test('padding a packet to a larger size leaves the decoded audio bit-identical', () => {
  const packets = vbrPackets();
  const codes = new Set(packets.map((p) => p[0]! & 3));
  assert.ok(codes.size >= 2, `framings covered: ${[...codes].join(', ')}`);
  for (const extra of [1, 2, 3, 200, 254, 255, 256, 300, 600]) {
    const padded = packets.map((p) => padOpusPacket(p, p.length + extra));
    assert.ok(padded.every((p, i) => p !== null && p.length === packets[i]!.length + extra), `+${extra}`);
    assert.deepEqual(decodeAll(padded as Uint8Array[]), decodeAll(packets), `+${extra} bytes`);
  }
});

test('padded packets re-parse into the original frames, for any target size', () => {
  const packets = vbrPackets();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: packets.length - 1 }), fc.integer({ min: 0, max: 1500 }), (i, extra) => {
      const p = packets[i]!;
      const padded = padOpusPacket(p, p.length + extra)!;
      assert.equal(padded.length, p.length + extra);
      const a = parseOpusFrames(p)!;
      const b = parseOpusFrames(padded)!;
      assert.equal(b.toc >> 2, a.toc >> 2);
      assert.deepEqual(b.frames.map((f) => [...f]), a.frames.map((f) => [...f]));
    }),
  );
});

test('a packet cannot be shrunk, and garbage is not padded', () => {
  assert.equal(padOpusPacket(new Uint8Array(90).fill(0x78), 80), null);
  assert.equal(padOpusPacket(Uint8Array.from([0x03]), 80), null); // code 3 without a count byte
  assert.equal(padOpusPacket(Uint8Array.from([0x01, 1, 2, 3]), 80), null); // code 1 with odd body
});
