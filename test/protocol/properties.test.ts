import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cobsDecode,
  cobsEncode,
  encodeCallsign,
  decodeCallsign,
  frameMessage,
  MessageBuilder,
  Reassembler,
  FRAME_SIZE,
  HEADER_SIZE,
} from '../../src/protocol/index.js';

test('COBS round-trips arbitrary bytes and never emits a zero', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
      const enc = cobsEncode(data);
      assert.equal(enc.indexOf(0), -1);
      const dec = cobsDecode(enc);
      assert.ok(dec.ok);
      assert.deepEqual(Buffer.from(dec.data), Buffer.from(data));
    }),
    { numRuns: 2000 },
  );
});

test('COBS of runs of non-zero bytes around the 254-byte block edge round-trips', () => {
  for (let n = 250; n <= 512; n++) {
    const data = new Uint8Array(n).fill(0x41);
    const dec = cobsDecode(cobsEncode(data));
    assert.ok(dec.ok);
    assert.equal(dec.data.length, n);
  }
});

const callsignArb = fc
  .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/.'), { minLength: 1, maxLength: 9 })
  .map((a) => a.join(''));

test('every callsign of up to 9 characters round-trips through base-40', () => {
  fc.assert(
    fc.property(callsignArb, (call) => {
      assert.equal(decodeCallsign(encodeCallsign(call)), call);
    }),
    { numRuns: 5000 },
  );
});

const CALLS = ['W1ABC', 'VE3XYZ', 'K5XYZ', 'N0CALL', 'KB5MU-11'];

function builderFor(i: number): MessageBuilder {
  return new MessageBuilder({
    source: [10, 0, 0, i + 1],
    destination: [10, 0, 0, 254],
    sourcePorts: { voice: 40000 + i, text: 41000 + i, control: 42000 + i },
    initialIdentification: i * 1000,
  });
}

test('message → frames → reassembler round-trips text up to 8 KiB, several stations interleaved', () => {
  const lineArb = fc.string({ unit: 'grapheme', maxLength: 8192 }).filter((s) => Buffer.byteLength(s) <= 8192);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: CALLS.length - 1 }), lineArb), { minLength: 1, maxLength: 12 }),
      fc.infiniteStream(fc.integer({ min: 0, max: CALLS.length - 1 })),
      (sends, picks) => {
        // Each station's frames stay in order; stations interleave as the picks say.
        const queues = CALLS.map(() => [] as Uint8Array[]);
        const expected = CALLS.map(() => [] as string[]);
        const builders = CALLS.map((_, i) => builderFor(i));
        for (const [who, text] of sends) {
          queues[who]!.push(...frameMessage(encodeCallsign(CALLS[who]!), builders[who]!.text(text)));
          expected[who]!.push(text);
        }
        const got = CALLS.map(() => [] as string[]);
        const r = new Reassembler();
        const it = picks[Symbol.iterator]();
        let remaining = queues.reduce((n, q) => n + q.length, 0);
        while (remaining > 0) {
          let who = it.next().value as number;
          while (queues[who]!.length === 0) who = (who + 1) % CALLS.length;
          const frame = queues[who]!.shift()!;
          assert.equal(frame.length, FRAME_SIZE);
          r.pushFrame(encodeCallsign(CALLS[who]!), frame, (id, ev) => {
            assert.equal(ev.type, 'message');
            if (ev.type === 'message' && ev.message.kind === 'text') {
              got[CALLS.indexOf(decodeCallsign(id))]!.push(ev.message.text);
            }
          });
          remaining--;
        }
        assert.deepEqual(got, expected);
        assert.equal(r.counters.decodeErrors, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test('after a lost frame the reassembler recovers the next message', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 200, maxLength: 2000 }),
      fc.string({ minLength: 1, maxLength: 500 }),
      fc.nat(),
      (first, second, lossPick) => {
        const b = builderFor(0);
        const id = encodeCallsign('W1ABC');
        const a = frameMessage(id, b.text(first));
        const c = frameMessage(id, b.text(second));
        fc.pre(a.length >= 2);
        const lost = lossPick % a.length;
        const texts: string[] = [];
        const r = new Reassembler();
        for (const f of [...a.filter((_, i) => i !== lost), ...c]) {
          r.pushFrame(id, f, (_id, ev) => {
            if (ev.type === 'message' && ev.message.kind === 'text') texts.push(ev.message.text);
          });
        }
        // The damaged message is gone, the following one always arrives intact.
        assert.deepEqual(texts, [second]);
      },
    ),
    { numRuns: 300 },
  );
});

test('a buffer that grows without a delimiter is dropped and counted, then decoding resumes', () => {
  const r = new Reassembler(4096);
  const id = encodeCallsign('W1ABC');
  const junk = new Uint8Array(FRAME_SIZE).fill(0x41);
  let overflows = 0;
  for (let i = 0; i < 100; i++) {
    r.pushFrame(id, junk, (_id, ev) => {
      if (ev.type === 'error' && ev.reason === 'overflow') overflows++;
    });
  }
  assert.ok(overflows >= 1);
  assert.equal(r.counters.overflows, overflows);
  const texts: string[] = [];
  for (const f of frameMessage(id, builderFor(0).text('still here'))) {
    r.pushFrame(id, f, (_id, ev) => {
      if (ev.type === 'message' && ev.message.kind === 'text') texts.push(ev.message.text);
    });
  }
  // The first clean message after the junk may be consumed with the junk's tail, but
  // a frame-boundary restart finds it.
  assert.deepEqual(texts, ['still here']);
  assert.equal(HEADER_SIZE, 12);
});
