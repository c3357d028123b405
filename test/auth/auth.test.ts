import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  formatServerAuth,
  formatStationAuth,
  parseServerAuth,
  parseStationAuth,
  parseTaggedKeepalive,
  transcript,
  type Challenge,
} from '../../src/protocol/auth.js';
import {
  authorizedKeyLine,
  checkKeepaliveTag,
  ephemeralX25519,
  keepaliveTag,
  rawPublicKey,
  sessionKey,
  signTranscript,
  verifyTranscript,
} from '../../src/auth/crypto.js';
import { parseControl } from '../../src/protocol/index.js';
import { parseAuthorizedKeys } from '../../src/server/authorized-keys.js';
import { MessageScanner, peekServerBound } from '../../src/server/message-scan.js';
import { frameMessage, MessageBuilder } from '../../src/protocol/index.js';

const challenge = (): Challenge => ({ nonce: Buffer.alloc(16, 1), serverId: Buffer.alloc(16, 2), time: 1764090135, serverPub: ephemeralX25519().pub });

test('messages round-trip; malformed ones parse to null', () => {
  const c = challenge();
  const text = formatServerAuth({ type: 'challenge', ...c });
  assert.ok(text.length <= 120, `challenge ${text.length} characters`);
  assert.deepEqual(parseServerAuth(text), { type: 'challenge', ...c });
  assert.deepEqual(parseServerAuth('OPV:AUTH_OK abc_DEF-1'), { type: 'ok', sessionId: 'abc_DEF-1', tags: false });
  assert.deepEqual(parseServerAuth('OPV:AUTH_OK abc_DEF-1 tags'), { type: 'ok', sessionId: 'abc_DEF-1', tags: true });
  assert.equal(parseServerAuth('OPV:AUTH_OK abc_DEF-1 tagz'), null);
  assert.deepEqual(parseServerAuth('OPV:AUTH_FAIL expired'), { type: 'fail', reason: 'expired' });
  for (const bad of ['OPV:AUTH_FAIL nope', 'OPV:AUTH_OK', `${text} extra`, text.replace(/ \d+ /, ' -1 '), 'OPV:AUTH_CHALLENGE a b c d']) assert.equal(parseServerAuth(bad), null, bad);
  const r = { type: 'response' as const, stationPub: Buffer.alloc(32, 3), signature: Buffer.alloc(64, 4), tags: false };
  const rt = formatStationAuth(r);
  assert.ok(rt.length <= 150, `response ${rt.length} characters`);
  assert.deepEqual(parseStationAuth(rt), r);
  // Asking for frame tags: one more word, still two frames.
  const rtt = formatStationAuth({ ...r, tags: true });
  assert.equal(rtt, `${rt} tags`);
  assert.deepEqual(parseStationAuth(rtt), { ...r, tags: true });
  assert.equal(parseStationAuth(`${rt} tagz`), null);
  assert.deepEqual(parseStationAuth('OPV-AUTH:REQUEST W1ABC/P'), { type: 'request', callsign: 'W1ABC/P' });
  for (const bad of ['OPV-AUTH:REQUEST w1abc', 'OPV-AUTH:REQUEST', 'OPV-AUTH:RESPONSE AAAA BBBB', `${rt}=`, 'OPV-AUTH:HELLO']) assert.equal(parseStationAuth(bad), null, bad);
});

test('the signature covers every transcript field; both sides derive the same session key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const c = challenge();
  const st = ephemeralX25519();
  const t = transcript('W1ABC', c, st.pub);
  const sig = signTranscript(privateKey, t);
  assert.ok(verifyTranscript(publicKey, t, sig));
  for (const changed of [
    transcript('W1ABD', c, st.pub),
    transcript('W1ABC', { ...c, serverId: Buffer.alloc(16, 9) }, st.pub),
    transcript('W1ABC', { ...c, nonce: Buffer.alloc(16, 9) }, st.pub),
    transcript('W1ABC', { ...c, time: c.time + 1 }, st.pub),
    transcript('W1ABC', c, ephemeralX25519().pub),
    // A stripped (or added) request for frame tags breaks the signature: no downgrade.
    transcript('W1ABC', c, st.pub, true),
  ]) assert.equal(verifyTranscript(publicKey, changed, sig), false);
  assert.equal(verifyTranscript(publicKey, t, Buffer.alloc(64)), false);
  // The server's side: its own X25519 private key and the station's public key.
  const srv = ephemeralX25519();
  const c2 = { ...c, serverPub: srv.pub };
  const t2 = transcript('W1ABC', c2, st.pub);
  assert.deepEqual(sessionKey(st.privateKey, srv.pub, t2), sessionKey(srv.privateKey, st.pub, t2));
});

test('keepalive tags: valid only for the key, callsign and time; the time still parses for echoes', () => {
  const key = Buffer.alloc(32, 5);
  const tag = keepaliveTag(key, 'W1ABC', '1764090135.123');
  const text = `KEEPALIVE:1764090135.123 ${tag}`;
  const k = parseTaggedKeepalive(text)!;
  assert.equal(k.time, 1764090135.123);
  assert.ok(checkKeepaliveTag(key, 'W1ABC', k.timeText, k.tag));
  assert.equal(checkKeepaliveTag(key, 'W1ABD', k.timeText, k.tag), false);
  assert.equal(checkKeepaliveTag(key, 'W1ABC', '1764090135.124', k.tag), false);
  assert.equal(checkKeepaliveTag(Buffer.alloc(32, 6), 'W1ABC', k.timeText, k.tag), false);
  assert.equal(parseTaggedKeepalive('KEEPALIVE:1764090135.123'), null);
  assert.deepEqual(parseControl(text), { type: 'keepalive', time: 1764090135.123 });
});

test('authorized-keys lines: keygen output parses; every bad line names file:line', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const line = authorizedKeyLine('W1ABC', privateKey, 'op@shack');
  const keys = parseAuthorizedKeys(`# c\n\n${line}\n${line}\nVE3XYZ ${line.split(' ').slice(1).join(' ')}\n`, 'f');
  assert.equal(keys.get('W1ABC')!.length, 1, 'a repeated key counts once');
  assert.deepEqual(rawPublicKey(keys.get('W1ABC')![0]!.key), rawPublicKey(privateKey));
  assert.equal(keys.get('W1ABC')![0]!.comment, 'op@shack');
  assert.ok(keys.has('VE3XYZ'));
  const b64 = line.split(' ')[2]!;
  for (const [text, msg] of [
    [`W1ABC rsa ${b64}`, /^f:1: key type must be ed25519, not "rsa"$/],
    [`# x\nW1ABC ed25519`, /^f:2: the public key is missing or not base64$/],
    [`W1ABC ed25519 ${b64.slice(4)}`, /^f:1: the public key must be 32 bytes in base64/],
    [`-- ed25519 ${b64}`, /^f:1: callsign "--" has no letter or digit$/],
    [`ABCDEFGHIJK ed25519 ${b64}`, /^f:1: /],
  ] as const) assert.throws(() => parseAuthorizedKeys(text, 'f'), { message: msg });
});

test('the relay recognises authentication messages from a frame\'s first bytes, and the scanner keeps the whole response', () => {
  const b = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 1 });
  const text = formatStationAuth({ type: 'response', stationPub: Buffer.alloc(32, 3), signature: Buffer.alloc(64, 4), tags: false });
  const frames = frameMessage(1234, b.control(text));
  assert.equal(frames.length, 2);
  assert.equal(peekServerBound(frames[0]!.subarray(12)), 'ext');
  const sc = new MessageScanner();
  for (const f of frames) {
    const p = f.subarray(12);
    const z = p.indexOf(0);
    sc.push(p, 0, z < 0 ? p.length : z);
  }
  assert.equal(sc.finish(), 'ext');
  assert.equal(sc.extText(), text);
  // The same text as chat is chat.
  assert.equal(peekServerBound(frameMessage(1234, b.text(text))[0]!.subarray(12)), null);
});

test('frames with non-zero reserved header bytes (room for per-frame tags) are accepted by opv stations', async () => {
  const { FrameReceiver } = await import('../../src/station/receive.js');
  const { encodeCallsign } = await import('../../src/protocol/index.js');
  const b = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 1 });
  const rx = new FrameReceiver(encodeCallsign('K5ME'));
  const chats: string[] = [];
  rx.on('chat', (c) => chats.push(`${c.from}: ${c.text}`));
  for (const f of frameMessage(encodeCallsign('W1ABC'), b.text('tagged frame'))) {
    f.set([0xa5, 0x5a, 0xff], 9);
    rx.push(f);
  }
  assert.deepEqual(chats, ['W1ABC: tagged frame']);
});
