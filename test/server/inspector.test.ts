import { Room } from '../../src/server/room.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cobsEncode,
  decodeEncodedMessage,
  encodeCallsign,
  frameMessage,
  FRAME_SIZE,
  HEADER_SIZE,
  MessageBuilder,
  onesComplementSum,
  PAYLOAD_SIZE,
  PORT_CONTROL,
  PORT_TEXT,
  PORT_VOICE,
  RtpStream,
  writeHeader,
  type DecodeResult,
} from '../../src/protocol/index.js';
import { Inspector, RECOVERY_STARTS } from '../../src/server/inspector.js';
import { isExtText } from '../../src/protocol/ext.js';
import { peekServerBound, MessageScanner, type MessageClass } from '../../src/server/message-scan.js';
import { makeEndpoint } from '../../src/server/endpoint.js';
import type { Station } from '../../src/server/registry.js';

const ID = encodeCallsign('W1ABC');

function builder(): MessageBuilder {
  return new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 40000, text: 40001, control: 40002 }, initialIdentification: 7 });
}

function station(): Station {
  const ep = makeEndpoint('127.0.0.1', 4000);
  return {
    callsign: 'W1ABC', stationId: ID, endpoint: ep, returnTo: ep, joinedAt: 0, lastSeen: 0, frames: 0, bytes: 0,
    byKind: { voice: 0, text: 0, control: 0, data: 0 }, talking: false, lastVoiceAt: 0, framesInMessage: 0, room: new Room('MAIN', null),
  };
}

/** What the full decoder says, in the scanner's terms. */
function reference(r: DecodeResult): MessageClass {
  if (!r.ok) return 'bad';
  const m = r.message;
  if (m.kind !== 'control') return m.kind;
  switch (m.control.type) {
    case 'ptt_start':
    case 'ptt_stop':
    case 'bye':
    case 'keepalive':
      return m.control.type;
    default:
      return isExtText(m.text) ? 'ext' : 'control';
  }
}

function scan(segment: Uint8Array, chunks = 1): MessageClass {
  const s = new MessageScanner();
  // Fed in pieces, as frames deliver it.
  const step = Math.max(1, Math.ceil(segment.length / chunks));
  for (let i = 0; i < segment.length; i += step) s.push(segment, i, Math.min(segment.length, i + step));
  return s.finish();
}

/** Valid IPv4/UDP packets of every kind the relay distinguishes, and some it does not. */
const packetArb = fc.oneof(
  fc.constantFrom('PTT_START', 'PTT_STOP', 'BYE', 'KEEPALIVE:1764089000.25', 'KEEPALIVE:', 'KEEPALIVE', '\uFEFFPTT_STOP', 'PTT_STAR', 'STATION_ID:W1ABC', 'AUTH_REQUEST', 'OPV-EXT:1', 'OPV-EXT:1+', 'OPV:ANNOUNCE hello').map((w) => builder().control(w)),
  fc.string({ maxLength: 600 }).map((t) => builder().text(t)),
  fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => builder().build('data', b, 57376)),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 1400 })).map(([cc, n]) => {
    const p = new Uint8Array(12 + n);
    new RtpStream(1, 2, 3).writeNext(p, 0);
    p[0] = (p[0]! & 0xf0) | cc;
    return builder().build('voice', p);
  }),
);

/** IPv4 headers with options (IHL 6..15), both checksums valid: the UDP sum starts later. */
const withOptionsArb = fc.tuple(fc.integer({ min: 6, max: 15 }), fc.constantFrom(PORT_VOICE, PORT_TEXT, PORT_CONTROL, 57376), fc.uint8Array({ maxLength: 200 }), fc.boolean()).map(([ihl, port, body, zeroSum]) => {
  const ipLen = ihl * 4;
  const p = new Uint8Array(ipLen + 8 + body.length);
  p[0] = 0x40 | ihl;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[6] = 0x40;
  p[8] = 64;
  p[9] = 17;
  p.set([10, 0, 0, 2, 10, 0, 0, 1], 12);
  for (let i = 20; i < ipLen; i++) p[i] = (i * 7) & 0xff;
  const ipSum = ~onesComplementSum(p, 0, ipLen) & 0xffff;
  p[10] = ipSum >> 8;
  p[11] = ipSum & 0xff;
  const udpLen = 8 + body.length;
  p[ipLen] = 0x9c;
  p[ipLen + 1] = 0x40;
  p[ipLen + 2] = port >> 8;
  p[ipLen + 3] = port & 0xff;
  p[ipLen + 4] = udpLen >> 8;
  p[ipLen + 5] = udpLen & 0xff;
  p.set(body, ipLen + 8);
  if (!zeroSum) {
    const sum = onesComplementSum(p, ipLen, p.length, onesComplementSum(p, 12, 20) + 17 + udpLen);
    const c = ~sum & 0xffff || 0xffff;
    p[ipLen + 6] = c >> 8;
    p[ipLen + 7] = c & 0xff;
  }
  return p;
});

/** Corruptions: flipped bytes, truncation, extension, and a header field rewritten. */
const mutatedArb = fc.tuple(fc.oneof(packetArb, withOptionsArb), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }), fc.integer({ min: -3, max: 3 })).map(([p, flips, resize]) => {
  let out = Uint8Array.from(p);
  for (const [at, x] of flips) if (out.length > 0) out[at % out.length] = out[at % out.length]! ^ x;
  if (resize < 0) out = out.subarray(0, Math.max(0, out.length + resize));
  else if (resize > 0) out = Uint8Array.from([...out, ...new Array<number>(resize).fill(0x41)]);
  return out;
});

test('the streaming scanner agrees with the full decoder on valid and corrupted messages', () => {
  const seen = new Set<MessageClass>();
  fc.assert(
    fc.property(fc.oneof(packetArb, withOptionsArb, mutatedArb), fc.integer({ min: 1, max: 9 }), (packet, chunks) => {
      const enc = cobsEncode(packet);
      const want = reference(decodeEncodedMessage(enc));
      seen.add(want);
      assert.equal(scan(enc, chunks), want);
    }),
    { numRuns: 3000 },
  );
  // The comparison covered every answer the scanner can give.
  assert.deepEqual([...seen].sort(), ['bad', 'bye', 'control', 'data', 'ext', 'keepalive', 'ptt_start', 'ptt_stop', 'text', 'voice']);
});

test('the streaming scanner agrees with the full decoder on corrupted COBS and random bytes', () => {
  const nonZero = (b: Uint8Array): Uint8Array => b.map((x) => (x === 0 ? 1 : x));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 400 }).map(nonZero),
        fc.tuple(packetArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([p, at, v]) => {
          const enc = Uint8Array.from(cobsEncode(p));
          enc[at % enc.length] = v; // a code or data byte changed: structure and contents break
          return enc;
        }),
      ),
      (segment) => {
        assert.equal(scan(segment, 3), reference(decodeEncodedMessage(segment)));
      },
    ),
    { numRuns: 3000 },
  );
});

test('a KEEPALIVE or extension frame is recognised from its first bytes; nothing else is', () => {
  const b = builder();
  const payload = (packet: Uint8Array): Uint8Array => frameMessage(ID, packet)[0]!.subarray(HEADER_SIZE);
  assert.equal(peekServerBound(payload(b.control('KEEPALIVE:1764089000.123456'))), 'keepalive');
  assert.equal(peekServerBound(payload(b.control('\uFEFFKEEPALIVE:1'))), 'keepalive');
  assert.equal(peekServerBound(payload(b.control('OPV-EXT:1'))), 'ext');
  assert.equal(peekServerBound(payload(b.control('OPV:ANNOUNCE forged'))), 'ext');
  for (const other of [b.control('PTT_START'), b.control('KEEPALIV'), b.control('OPV'), b.text('KEEPALIVE:1'), b.text('OPV:ANNOUNCE x'), b.build('voice', new Uint8Array(92))]) {
    assert.equal(peekServerBound(payload(other)), null);
  }
  fc.assert(
    fc.property(fc.uint8Array({ minLength: PAYLOAD_SIZE, maxLength: PAYLOAD_SIZE }), (p) => {
      // Random bytes never crash it, and whatever it says, the inspector has the last word.
      peekServerBound(p);
    }),
  );
});

function rawFrame(payload: Uint8Array): Buffer {
  const f = Buffer.alloc(FRAME_SIZE);
  writeHeader(ID, f, 0);
  f.set(payload.subarray(0, PAYLOAD_SIZE), HEADER_SIZE);
  return f;
}

test('hostile frames cost a bounded amount of work each, and the broken messages are counted', () => {
  const ins = new Inspector();
  const st = station();
  const bound = (1 + RECOVERY_STARTS) * PAYLOAD_SIZE;
  let maxPerFrame = 0;
  const feed = (f: Buffer): void => {
    const before = ins.scannedBytes;
    ins.inspect(st, f, 0);
    maxPerFrame = Math.max(maxPerFrame, ins.scannedBytes - before);
  };
  // The old worst case: a message that never ends until it nearly reaches the 64 KiB bound,
  // then a delimiter (the reassembler re-decoded from each of its ~537 frame boundaries).
  const ff = rawFrame(new Uint8Array(PAYLOAD_SIZE).fill(0xff));
  for (let i = 0; i < 530; i++) feed(ff);
  const end = new Uint8Array(PAYLOAD_SIZE).fill(0xff);
  end[100] = 0;
  feed(rawFrame(end));
  assert.equal(ins.decodeErrors, 1);
  // Past the bound without a delimiter: dropped and counted.
  for (let i = 0; i < 600; i++) feed(ff);
  assert.ok(ins.decodeErrors >= 2, `overflow counted (${ins.decodeErrors})`);
  // Random frames.
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: PAYLOAD_SIZE, maxLength: PAYLOAD_SIZE }), { minLength: 1, maxLength: 40 }), (payloads) => {
      for (const p of payloads) feed(rawFrame(p));
    }),
    { numRuns: 200 },
  );
  assert.ok(maxPerFrame <= bound, `at most ${bound} bytes scanned per frame, saw ${maxPerFrame}`);
  assert.equal(st.byKind.voice + st.byKind.text, 0, 'nothing was taken for a real message');
});

test('corrupted messages from a registered station are counted; clean ones are classified', () => {
  const ins = new Inspector();
  const st = station();
  const b = builder();
  for (let i = 0; i < 10; i++) {
    const f = Buffer.from(frameMessage(ID, b.text(`line ${i}`))[0]!);
    f[HEADER_SIZE + 30] = f[HEADER_SIZE + 30]! ^ 0x55;
    ins.inspect(st, f, 0);
  }
  assert.equal(ins.decodeErrors, 10);
  for (const f of frameMessage(ID, b.text('x'.repeat(400)))) ins.inspect(st, Buffer.from(f), 0);
  const start = ins.inspect(st, Buffer.from(frameMessage(ID, b.control('PTT_START'))[0]!), 0);
  assert.equal(start.pttStart, true);
  assert.equal(ins.decodeErrors, 10);
  assert.equal(st.byKind.text, 4, 'the four frames of the long line');
  assert.equal(st.byKind.control, 1);
});

test('after a lost frame, the message that follows is still recognised', () => {
  const ins = new Inspector();
  const st = station();
  const b = builder();
  ins.inspect(st, Buffer.from(frameMessage(ID, b.control('PTT_START'))[0]!), 0);
  const long = frameMessage(ID, b.text('y'.repeat(300)));
  assert.ok(long.length >= 3);
  // The last frame of the line (with its delimiter) is lost; the PTT_STOP must still count.
  for (const f of long.slice(0, -1)) ins.inspect(st, Buffer.from(f), 0);
  assert.equal(ins.atBoundary(st), false);
  const stop = ins.inspect(st, Buffer.from(frameMessage(ID, b.control('PTT_STOP'))[0]!), 0);
  assert.equal(stop.pttStop, true);
  assert.equal(ins.decodeErrors, 1);
  assert.equal(ins.atBoundary(st), true);
});

test('a lone KEEPALIVE is echo-only; one that ends a broken message is not', () => {
  const ins = new Inspector();
  const st = station();
  const b = builder();
  const ka = Buffer.from(frameMessage(ID, b.control('KEEPALIVE:1764089000.5'))[0]!);
  assert.equal(ins.inspect(st, ka, 0).keepaliveOnly, true);
  const long = frameMessage(ID, b.text('z'.repeat(300)));
  ins.inspect(st, Buffer.from(long[0]!), 0);
  assert.equal(ins.atBoundary(st), false);
  assert.equal(ins.inspect(st, ka, 0).keepaliveOnly, false);
});
