import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildIpPacket,
  checkFrame,
  cobsDecode,
  cobsEncode,
  decodeCallsign,
  decodeEncodedMessage,
  decodeIpPacket,
  encodeCallsign,
  frameMessage,
  FRAME_SIZE,
  HEADER_SIZE,
  isValidCallsign,
  normaliseCallsign,
  parseHeader,
  parseIPv4Address,
  PAYLOAD_SIZE,
  PORT_CONTROL,
  PORT_TEXT,
  PORT_VOICE,
  Reassembler,
  type DecodedMessage,
  type IPv4Bytes,
  writeRtpHeader,
} from '../../src/protocol/index.js';
import { hex, loadVectors, toHex, type MessageJson } from './vectors.js';

const v = loadVectors();

function ip(s: string): IPv4Bytes {
  const a = parseIPv4Address(s);
  assert.ok(a, `bad address ${s}`);
  return a;
}

test('constants match the reference vectors', () => {
  assert.equal(v.frame_size, FRAME_SIZE);
  assert.equal(v.header_size, HEADER_SIZE);
  assert.equal(v.payload_size, PAYLOAD_SIZE);
  assert.deepEqual(v.ports, { voice: PORT_VOICE, text: PORT_TEXT, control: PORT_CONTROL });
});

test('every callsign vector encodes and decodes', () => {
  for (const c of v.callsigns) {
    const id = encodeCallsign(c.callsign);
    assert.equal(id.toString(16).padStart(12, '0'), c.encoded, c.callsign);
    assert.equal(decodeCallsign(id), c.decoded, c.callsign);
  }
});

test('callsign validity and normalisation follow the reference', () => {
  for (const c of v.callsign_validity) assert.equal(isValidCallsign(c.callsign), c.valid, JSON.stringify(c.callsign));
  for (const c of v.callsign_normalisation) assert.equal(normaliseCallsign(c.input), c.normalised);
});

test('every COBS vector round-trips', () => {
  for (const c of v.cobs) {
    const encoded = cobsEncode(hex(c.decoded));
    assert.equal(toHex(encoded) + '00', c.encoded, `encode ${c.decoded.slice(0, 20)}…`);
    const d = cobsDecode(hex(c.encoded).subarray(0, -1));
    assert.ok(d.ok);
    assert.equal(toHex(d.data), c.decoded);
  }
});

function fieldsOf(m: MessageJson) {
  return {
    source: ip(m.ip.source_ip),
    destination: ip(m.ip.dest_ip),
    sourcePort: m.udp.source_port,
    destPort: m.udp.dest_port,
    identification: m.ip.identification,
    tos: m.ip.tos,
  };
}

function assertDecodedMatches(msg: DecodedMessage, m: MessageJson, content: string, kind: string): void {
  assert.equal(msg.kind, kind);
  assert.deepEqual(
    {
      version: msg.ip.version,
      ihl: msg.ip.ihl,
      tos: msg.ip.tos,
      total_length: msg.ip.totalLength,
      identification: msg.ip.identification,
      flags: msg.ip.flags,
      ttl: msg.ip.ttl,
      protocol: msg.ip.protocol,
      checksum: msg.ip.checksum,
      source_ip: msg.ip.sourceIp,
      dest_ip: msg.ip.destIp,
    },
    m.ip,
  );
  assert.deepEqual(
    {
      source_port: msg.udp.sourcePort,
      dest_port: msg.udp.destPort,
      length: msg.udp.length,
      checksum: msg.udp.checksum,
      payload_length: msg.udp.length - 8,
    },
    m.udp,
  );
  if (msg.kind === 'voice') {
    assert.ok(m.rtp && m.opus);
    assert.deepEqual(
      {
        version: msg.rtp.version,
        padding: Number(msg.rtp.padding),
        extension: Number(msg.rtp.extension),
        csrc_count: msg.rtp.csrcCount,
        marker: Number(msg.rtp.marker),
        payload_type: msg.rtp.payloadType,
        sequence_number: msg.rtp.sequence,
        timestamp: msg.rtp.timestamp,
        ssrc: msg.rtp.ssrc,
        header_size: 12,
      },
      m.rtp,
    );
    assert.equal(toHex(msg.opus), m.opus);
    assert.equal(toHex(msg.opus), content);
  } else if (msg.kind === 'text') {
    assert.equal(msg.text, content);
  } else if (msg.kind === 'control') {
    assert.equal(msg.text, content);
  }
}

for (const c of v.frames) {
  test(`reference frame "${c.label}" is reproduced byte-for-byte`, () => {
    assert.equal(c.messages.length, 1);
    const m = c.messages[0]!;
    let udpPayload: Uint8Array;
    if (c.kind === 'voice') {
      assert.ok(m.rtp && m.opus);
      const rtp = new Uint8Array(12);
      writeRtpHeader(
        { marker: m.rtp.marker === 1, sequence: m.rtp.sequence_number, timestamp: m.rtp.timestamp, ssrc: m.rtp.ssrc },
        rtp,
      );
      udpPayload = new Uint8Array([...rtp, ...hex(m.opus)]);
    } else {
      udpPayload = new TextEncoder().encode(c.content);
    }
    assert.equal(toHex(udpPayload), m.udp_payload);
    const packet = buildIpPacket(fieldsOf(m), udpPayload);
    assert.equal(toHex(packet), m.ip_packet);
    const frames = frameMessage(encodeCallsign(c.station), packet);
    assert.deepEqual(frames.map(toHex), c.frames);
  });

  test(`reference frame "${c.label}" decodes to the listed fields`, () => {
    const m = c.messages[0]!;
    for (const f of c.frames) {
      const check = checkFrame(hex(f));
      assert.ok(check.ok);
      assert.equal(check.callsign, c.station);
      const h = parseHeader(hex(f));
      assert.deepEqual(h?.token, [0xbb, 0xaa, 0xdd]);
    }
    const direct = decodeIpPacket(hex(m.ip_packet));
    assert.ok(direct.ok, direct.ok ? '' : direct.reason);
    assertDecodedMatches(direct.message, m, c.content, c.kind);

    const got: DecodedMessage[] = [];
    const r = new Reassembler();
    for (const f of c.frames) {
      r.pushFrame(encodeCallsign(c.station), hex(f), (_id, ev) => {
        assert.equal(ev.type, 'message', JSON.stringify(ev));
        if (ev.type === 'message') got.push(ev.message);
      });
    }
    assert.equal(got.length, 1);
    assertDecodedMatches(got[0]!, m, c.content, c.kind);
  });
}

test('interleaved frames of two stations reassemble into both messages', () => {
  const r = new Reassembler();
  const got: { station: string; text: string }[] = [];
  for (const f of v.interleaved.frames) {
    const frame = hex(f);
    const check = checkFrame(frame);
    assert.ok(check.ok);
    r.pushFrame(check.stationId, frame, (id, ev) => {
      assert.equal(ev.type, 'message');
      if (ev.type === 'message' && ev.message.kind === 'text') got.push({ station: decodeCallsign(id), text: ev.message.text });
    });
  }
  assert.deepEqual(
    got.sort((a, b) => a.station.localeCompare(b.station)),
    [...v.interleaved.expected].sort((a, b) => a.station.localeCompare(b.station)),
  );
  assert.equal(r.counters.decodeErrors, 0);
});

test('a reference voice message decodes from its COBS bytes alone', () => {
  const voice = v.frames.find((f) => f.kind === 'voice')!;
  const frame = hex(voice.frames[0]!);
  const payload = frame.subarray(HEADER_SIZE);
  const end = payload.indexOf(0, 0);
  // Voice messages are exactly one payload: 121 COBS bytes and the delimiter.
  assert.equal(end, 121);
  const d = decodeEncodedMessage(payload.subarray(0, end));
  assert.ok(d.ok && d.message.kind === 'voice');
});
