import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkFrame,
  decodeEncodedMessage,
  decodeIpPacket,
  frameMessage,
  MessageBuilder,
  parseHeader,
  Reassembler,
  FRAME_SIZE,
  writeHeader,
  encodeCallsign,
  cobsDecode,
  parseControl,
} from '../../src/protocol/index.js';
import { hex, loadVectors } from './vectors.js';

/** xorshift32: repeatable pseudo-random bytes, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('100 000 random and mutated frames: the decoder never throws and counts what it drops', () => {
  const next = rng(0xc0ffee);
  const v = loadVectors();
  const seeds: Uint8Array[] = [
    ...v.frames.flatMap((f) => f.frames.map(hex)),
    ...v.interleaved.frames.map(hex),
    ...frameMessage(
      encodeCallsign('N0CALL'),
      new MessageBuilder({
        source: [10, 0, 0, 1],
        destination: [10, 0, 0, 2],
        sourcePorts: { voice: 1, text: 2, control: 3 },
        initialIdentification: 0,
      }).text('x'.repeat(700)),
    ),
  ];
  const r = new Reassembler();
  let accepted = 0;
  let rejected = 0;
  let events = 0;
  for (let i = 0; i < 100_000; i++) {
    let frame: Uint8Array;
    const mode = next() % 5;
    if (mode === 0) {
      // Pure noise of any size, including HTTP-ish and empty datagrams.
      frame = new Uint8Array(next() % 300);
      for (let j = 0; j < frame.length; j++) frame[j] = next() & 0xff;
    } else {
      frame = Uint8Array.from(seeds[next() % seeds.length]!);
      const flips = 1 + (next() % 8);
      for (let k = 0; k < flips; k++) {
        const pos = next() % frame.length;
        if (mode === 1) frame[pos] = next() & 0xff;
        else if (mode === 2) frame[pos] = 0;
        else if (mode === 3) frame[pos]! ^= 1 << (next() % 8);
      }
      // mode 4: valid header, garbage payload
      if (mode === 4) {
        writeHeader(encodeCallsign('W1ABC'), frame);
        for (let j = 12 + (next() % 100); j < frame.length; j++) frame[j] = next() & 0xff;
      }
      if (next() % 50 === 0) frame = frame.subarray(0, next() % frame.length);
    }
    parseHeader(frame);
    const check = checkFrame(frame);
    // Raw decoders get the bytes too, as if an attacker controlled the whole message.
    decodeIpPacket(frame);
    decodeEncodedMessage(frame);
    cobsDecode(frame);
    if (check.ok) {
      accepted++;
      r.pushFrame(check.stationId, frame, () => {
        events++;
      });
    } else {
      rejected++;
      assert.ok(check.reason === 'size' || check.reason === 'token' || check.reason === 'station_id');
    }
  }
  assert.equal(accepted + rejected, 100_000);
  assert.ok(rejected > 10_000, `noise must be rejected (rejected ${rejected})`);
  assert.equal(r.counters.frames, accepted);
  assert.ok(events > 0);
  assert.equal(FRAME_SIZE, 134);
});

test('control words parse without throwing on any text', () => {
  const next = rng(7);
  for (let i = 0; i < 20_000; i++) {
    const len = next() % 40;
    let s = i % 3 === 0 ? 'KEEPALIVE:' : i % 3 === 1 ? 'STATION_ID:' : '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(next() % 0x2000);
    const w = parseControl(s);
    assert.ok(typeof w.type === 'string');
  }
  assert.deepEqual(parseControl('KEEPALIVE:1732480000.25'), { type: 'keepalive', time: 1732480000.25 });
  assert.deepEqual(parseControl('KEEPALIVE:soon'), { type: 'keepalive', time: null });
  assert.deepEqual(parseControl('BYE'), { type: 'bye' });
  assert.deepEqual(parseControl('AUTH_REQUEST'), { type: 'raw', text: 'AUTH_REQUEST' });
});
