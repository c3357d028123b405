import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startStation } from './support/stations.js';
import { speechWav, freeUdpPort } from '../helpers/paths.js';
import { checkFrame, Reassembler, type DecodedMessage, FRAME_SIZE } from '../../src/protocol/index.js';
import { loadVectors, hex } from '../protocol/vectors.js';
import { eventually } from '../helpers/eventually.js';

test('what a station sends is structurally identical to the reference frames', async (t) => {
  // A plain socket stands in for the server, as a reference server would: it never echoes.
  const port = await freeUdpPort();
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  t.after(() => sock.close());
  const datagrams: Buffer[] = [];
  const messages: DecodedMessage[] = [];
  const r = new Reassembler();
  sock.on('message', (buf) => {
    datagrams.push(buf);
    const chk = checkFrame(buf);
    if (chk.ok) r.pushFrame(chk.stationId, buf, (_id, ev) => ev.type === 'message' && messages.push(ev.message));
  });
  const st = await startStation('W1ABC', port, ['--audio-in', speechWav, '--no-audio'], { t });
  st.proc.sendLine('73 de W1ABC 📡 ñ');
  st.proc.sendLine('/ptt on');
  await st.proc.waitForLine(/PTT was released/, 15_000);
  await st.proc.waitForLine(/no reply from server/, 10_000);
  st.proc.sendLine('quit');
  assert.equal(await st.proc.wait(), 0);

  assert.ok(datagrams.every((d) => d.length === FRAME_SIZE));
  assert.equal(r.counters.decodeErrors, 0, 'every message decodes: COBS, IPv4 and UDP checksums');
  const ref = loadVectors();
  const refVoice = ref.frames.find((f) => f.kind === 'voice')!.messages[0]!;
  const refHeader = hex(ref.frames[0]!.frames[0]!).subarray(6, 12);
  for (const d of datagrams) assert.deepEqual([...d.subarray(6, 12)], [...refHeader], 'token and reserved bytes');

  const chat = messages.find((m) => m.kind === 'text');
  assert.ok(chat && chat.kind === 'text' && chat.text === '73 de W1ABC 📡 ñ');
  const kinds = messages.map((m) => (m.kind === 'control' ? m.text.split(':')[0] : m.kind));
  const start = kinds.indexOf('PTT_START');
  const stop = kinds.indexOf('PTT_STOP');
  const firstVoice = kinds.indexOf('voice');
  const lastVoice = kinds.lastIndexOf('voice');
  assert.ok(start >= 0 && start < firstVoice, 'PTT_START before the first voice frame');
  assert.ok(stop > lastVoice, 'PTT_STOP after the last voice frame');
  assert.ok(kinds.includes('KEEPALIVE'));
  const voice = messages.filter((m): m is Extract<DecodedMessage, { kind: 'voice' }> => m.kind === 'voice');
  assert.ok(voice.length >= 180, `${voice.length} voice messages`);
  voice.forEach((v, i) => {
    assert.equal(v.opus.length, 80);
    assert.equal(v.ip.totalLength, refVoice.ip.total_length);
    assert.equal(v.ip.flags, refVoice.ip.flags);
    assert.equal(v.ip.ttl, refVoice.ip.ttl);
    assert.equal(v.ip.tos, refVoice.ip.tos);
    assert.equal(v.udp.destPort, refVoice.udp.dest_port);
    assert.equal(v.rtp.version, 2);
    assert.equal(v.rtp.payloadType, refVoice.rtp!.payload_type);
    assert.equal(v.rtp.marker, i === 0, 'marker only on the first packet');
    assert.equal(v.rtp.ssrc, voice[0]!.rtp.ssrc);
    if (i > 0) {
      assert.equal(v.rtp.sequence, (voice[i - 1]!.rtp.sequence + 1) & 0xffff);
      assert.equal(v.rtp.timestamp, (voice[i - 1]!.rtp.timestamp + 1920) >>> 0);
      assert.equal(v.ip.identification, (voice[i - 1]!.ip.identification + 1) & 0xffff);
    }
  });
  for (const c of messages.filter((m) => m.kind === 'control')) assert.equal(c.ip.tos, 0xc0, 'control messages are marked CS6 as the reference does');
  const ka = messages.find((m) => m.kind === 'control' && m.control.type === 'keepalive');
  assert.ok(ka && ka.kind === 'control' && ka.control.type === 'keepalive' && ka.control.time !== null && Math.abs(ka.control.time - Date.now() / 1000) < 120);
  // The BYE may still be in flight: wait for it as long as the old fixed wait; the assertion says what came instead.
  const isBye = (m: DecodedMessage | undefined): boolean => m !== undefined && m.kind === 'control' && m.text === 'BYE';
  await eventually(() => isBye(messages.at(-1)), 'the BYE', 200, 20).catch(() => undefined);
  const last = messages.at(-1)!;
  assert.ok(last.kind === "control" && last.text === "BYE", `the last message is BYE, not ${JSON.stringify(messages.slice(-3).map((m) => (m.kind === "text" || m.kind === "control" ? m.text : m.kind)))}`);
});
