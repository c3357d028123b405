import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FRAME_SIZE } from '../../src/protocol/constants.js';
import { authorizedKeyLine } from '../../src/auth/crypto.js';
import { SeenWindow } from '../../src/server/dedupe.js';
import { FRESH_MS, InterlinkTrust, SEALED_FRAME_SIZE } from '../../src/server/interlink-trust.js';
import { LogLimiter } from '../../src/server/log-limit.js';
import { checkOwnLine, parsePeers, readServerKey } from '../../src/server/peers.js';

const keyA = generateKeyPairSync('ed25519').privateKey;
const keyB = generateKeyPairSync('ed25519').privateKey;
const peersText = [authorizedKeyLine('hub-a', keyA, 'a'), authorizedKeyLine('hub-b', keyB, 'b')].join('\n');
const peers = parsePeers(peersText, 'peers');

function clock(start = 1_800_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function frame(n: number): Buffer {
  const b = Buffer.alloc(FRAME_SIZE, n & 0xff);
  b.writeUInt32BE(n, 20);
  return b;
}

test('a peer-signed frame opens once; a copy is a duplicate, a forged or re-addressed one is refused, all counted', () => {
  const c = clock();
  const a = new InterlinkTrust({ serverId: 'hub-a', mode: 'signed', key: keyA, peers, now: c.now });
  const b = new InterlinkTrust({ serverId: 'hub-b', mode: 'signed', key: keyB, peers, now: c.now });
  const subject = 'opv.room.MAIN.hub-a';
  const sealed = a.sealFrame(subject, frame(1));
  assert.equal(sealed.length, SEALED_FRAME_SIZE);
  assert.deepEqual(b.openFrame('hub-a', subject, sealed), frame(1));
  assert.equal(b.openFrame('hub-a', subject, sealed), null, 'the same frame again');
  assert.equal(b.counters.duplicates_dropped, 1);
  // Another room or another sender in the subject: the signature does not cover it.
  assert.equal(b.openFrame('hub-a', 'opv.room.NET.hub-a', a.sealFrame(subject, frame(2))), null);
  // A frame hub-b signs cannot pass as hub-a's (a peer's key signs for itself only).
  assert.equal(b.openFrame('hub-a', subject, b.sealFrame(subject, frame(3))), null);
  // A bit flipped in the payload.
  const flipped = Buffer.from(a.sealFrame(subject, frame(4)));
  flipped[30] = flipped[30]! ^ 1;
  assert.equal(b.openFrame('hub-a', subject, flipped), null);
  assert.equal(b.counters.rejected_signature, 3);
  // No key at all (an open sealer's zero signature), and a sender not in the peers file.
  const rogue = new InterlinkTrust({ serverId: 'evil', mode: 'open', key: null, peers: new Map(), now: c.now });
  assert.equal(b.openFrame('hub-a', subject, rogue.sealFrame(subject, frame(5))), null);
  assert.equal(b.openFrame('evil', 'opv.room.MAIN.evil', rogue.sealFrame('opv.room.MAIN.evil', frame(6))), null);
  assert.equal(b.openFrame('hub-b', 'opv.room.MAIN.hub-b', b.sealFrame('opv.room.MAIN.hub-b', frame(7))), null, 'its own id from outside');
  assert.deepEqual(b.counters, { rejected_signature: 4, rejected_replay: 0, rejected_unknown_peer: 2, duplicates_dropped: 1 });
});

test('frames: a replay beyond the freshness window or below the dedupe window is refused; frames out of order within it pass once', () => {
  const c = clock();
  const a = new InterlinkTrust({ serverId: 'hub-a', mode: 'signed', key: keyA, peers, now: c.now });
  const b = new InterlinkTrust({ serverId: 'hub-b', mode: 'signed', key: keyB, peers, now: c.now });
  const subject = 'opv.room.MAIN.hub-a';
  const f1 = a.sealFrame(subject, frame(1));
  const f2 = a.sealFrame(subject, frame(2));
  assert.ok(b.openFrame('hub-a', subject, f2));
  assert.ok(b.openFrame('hub-a', subject, f1), 'late but new');
  const old = a.sealFrame(subject, frame(3));
  c.advance(FRESH_MS + 1);
  assert.equal(b.openFrame('hub-a', subject, old), null, 'captured, replayed later');
  assert.equal(b.counters.rejected_replay, 1);
  // From a sender clock too far ahead, too.
  const ahead = new InterlinkTrust({ serverId: 'hub-a', mode: 'signed', key: keyA, peers, now: () => c.now() + FRESH_MS + 1000 });
  assert.equal(b.openFrame('hub-a', subject, ahead.sealFrame(subject, frame(4))), null);
  assert.equal(b.counters.rejected_replay, 2);
});

test('control messages: in order only; a replay or a stale one is refused; a bad signature is refused before parsing', () => {
  const c = clock();
  const a = new InterlinkTrust({ serverId: 'hub-a', mode: 'signed', key: keyA, peers, now: c.now });
  const b = new InterlinkTrust({ serverId: 'hub-b', mode: 'signed', key: keyB, peers, now: c.now });
  const subject = 'opv.presence.hub-a';
  const json = (s: string): Uint8Array => new TextEncoder().encode(s);
  const m1 = a.sealControl(subject, json('{"one":1}'));
  c.advance(5);
  const m2 = a.sealControl(subject, json('{"two":2}'));
  assert.equal(new TextDecoder().decode(b.openControl('hub-a', subject, m1)!), '{"one":1}');
  assert.equal(new TextDecoder().decode(b.openControl('hub-a', subject, m2)!), '{"two":2}');
  assert.equal(b.openControl('hub-a', subject, m1), null, 'replay of an older one');
  assert.equal(b.openControl('hub-a', subject, m2), null, 'the same one again');
  assert.equal(b.counters.rejected_replay, 1);
  assert.equal(b.counters.duplicates_dropped, 1);
  const tampered = Buffer.from(a.sealControl(subject, json('{"ban":"W1AW"}')));
  tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x20;
  assert.equal(b.openControl('hub-a', subject, tampered), null);
  assert.equal(b.openControl('hub-a', subject, Buffer.from('{"v":1,"kind":"bye","server":"hub-a"}')), null, 'unsealed JSON');
  assert.equal(b.counters.rejected_signature, 2);
  // The peers file changes: a server taken out is refused from then on.
  b.setPeers(parsePeers(authorizedKeyLine('hub-b', keyB, ''), 'peers'));
  c.advance(5);
  assert.equal(b.openControl('hub-a', subject, a.sealControl(subject, json('{}'))), null);
  assert.equal(b.counters.rejected_unknown_peer, 1);
});

test('the sequence is strictly increasing even when the clock stands still or steps back', () => {
  let t = 1_000_000;
  const a = new InterlinkTrust({ serverId: 'hub-a', mode: 'open', key: null, peers: new Map(), now: () => t });
  const s1 = a.nextSeq();
  const s2 = a.nextSeq();
  t -= 500;
  const s3 = a.nextSeq();
  t += 10_000;
  const s4 = a.nextSeq();
  assert.ok(s1 < s2 && s2 < s3 && s3 < s4);
  assert.equal(s1, 1_000_000_000);
  assert.equal(s4, 1_009_500_000);
});

test('the dedupe window: each number once; bounded; what it has forgotten is refused', () => {
  const w = new SeenWindow(4);
  assert.deepEqual([10, 12, 11, 12].map((n) => w.check(n)), ['new', 'new', 'new', 'duplicate']);
  assert.deepEqual([13, 14, 15].map((n) => w.check(n)), ['new', 'new', 'new']);
  assert.equal(w.count, 4);
  assert.equal(w.check(10), 'too_old');
  assert.equal(w.check(9), 'too_old');
  assert.equal(w.check(15), 'duplicate');
});

test('log lines per cause: a few, then one summary line per interval (fake clock)', () => {
  let t = 0;
  const lines: string[] = [];
  const l = new LogLimiter((s) => lines.push(s), () => t, 10_000, 2);
  for (let i = 0; i < 1000; i++) l.say('bad signature', `refused ${i}`);
  l.say('other cause', 'other');
  assert.deepEqual(lines, ['refused 0', 'refused 1', 'other']);
  t = 9_999;
  l.flush();
  assert.equal(lines.length, 3);
  t = 10_000;
  l.flush();
  assert.deepEqual(lines.slice(3), ['bad signature: 998 more in the last 10 s (not logged one by one)']);
  l.say('bad signature', 'refused again');
  assert.equal(lines.at(-1), 'refused again');
});

test('peers file and server key: strict, one-line errors naming file:line', () => {
  assert.throws(() => parsePeers('hub a ed25519 AAAA', 'p'), /^ConfigError: peers file p:1: "hub" is not a server id|peers file p:1/);
  assert.throws(() => parsePeers(`# c\n\nhub-a rsa ${'A'.repeat(44)}`, 'p'), /peers file p:3: key type must be ed25519/);
  assert.throws(() => parsePeers('hub-a ed25519 AAAA', 'p'), /p:1: the public key must be 32 bytes/);
  assert.throws(() => parsePeers(`${authorizedKeyLine('hub-a', keyA, '')}\n${authorizedKeyLine('hub-a', keyB, '')}`, 'p'), /p:2: server hub-a is listed twice with different keys/);
  assert.equal(parsePeers(`${peersText}\n${authorizedKeyLine('hub-a', keyA, 'again')}`, 'p').size, 2);
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-peers-'));
  const keyFile = path.join(dir, 'a.pem');
  writeFileSync(keyFile, keyA.export({ format: 'pem', type: 'pkcs8' }));
  const key = readServerKey(keyFile);
  checkOwnLine(peers, 'hub-a', key, 'p');
  assert.throws(() => checkOwnLine(peers, 'hub-b', key, 'p'), /peers file p lists hub-b with another key than --server-key/);
  assert.throws(() => readServerKey(path.join(dir, 'none.pem')), /server key .*none\.pem: no such file/);
  writeFileSync(path.join(dir, 'junk.pem'), 'not a key');
  assert.throws(() => readServerKey(path.join(dir, 'junk.pem')), /not a PEM private key/);
  writeFileSync(path.join(dir, 'x.pem'), generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  assert.throws(() => readServerKey(path.join(dir, 'x.pem')), /an x25519 key; an Ed25519 key is needed/);
});
