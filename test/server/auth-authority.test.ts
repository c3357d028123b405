import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { CHALLENGE_TTL_MS, transcript } from '../../src/protocol/auth.js';
import { ephemeralX25519, sessionKey, signTranscript } from '../../src/auth/crypto.js';
import { FrameTagger, frameKey } from '../../src/auth/frame-tag.js';
import { FRAME_SIZE } from '../../src/protocol/constants.js';
import { writeHeader } from '../../src/protocol/header.js';
import { encodeCallsign } from '../../src/protocol/callsign.js';
import { StationAuthority, type AuthOutcome } from '../../src/server/auth.js';
import { makeEndpoint } from '../../src/server/endpoint.js';

// The server's authority on a fake clock: a late answer to a challenge that expired (and
// was swept meanwhile) is told "expired", not "no challenge".

function setup(): { a: StationAuthority; answer: (o: AuthOutcome) => { type: 'response'; stationPub: Buffer; signature: Buffer; tags: boolean } } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const a = new StationAuthority('optional');
  a.setKeys(new Map([['W2OWN', [{ id: 'k1', key: publicKey, comment: '' }]]]));
  const answer = (o: AuthOutcome): { type: 'response'; stationPub: Buffer; signature: Buffer; tags: boolean } => {
    const m = o.kind === 'silent' ? null : o.message;
    if (m === null || m.type !== 'challenge') throw new Error('no challenge');
    const eph = ephemeralX25519();
    const t = transcript('W2OWN', m, eph.pub, false);
    return { type: 'response', stationPub: eph.pub, signature: signTranscript(privateKey, t), tags: false };
  };
  return { a, answer };
}

const from = makeEndpoint('192.0.2.7', 40000);

test('an answer after the challenge expired says "expired", also once the sweep removed it', () => {
  const { a, answer } = setup();
  let now = 1_000_000;
  const c = a.onMessage({ type: 'request', callsign: 'W2OWN' }, 'W2OWN', from, now);
  assert.equal(c.kind, 'reply');
  now += CHALLENGE_TTL_MS + 500;
  a.sweep(now);
  const late = a.onMessage(answer(c), 'W2OWN', from, now);
  assert.deepEqual(late.kind === 'reply' ? late.failed : late.kind, 'expired');
  // Single use all the same: the same answer again has no challenge.
  const again = a.onMessage(answer(c), 'W2OWN', from, now);
  assert.deepEqual(again.kind === 'reply' ? again.failed : again.kind, 'no_challenge');
});

test('an answer in time authenticates; one never asked for is "no challenge"', () => {
  const { a, answer } = setup();
  const now = 5_000;
  const c = a.onMessage({ type: 'request', callsign: 'W2OWN' }, 'W2OWN', from, now);
  const ok = a.onMessage(answer(c), 'W2OWN', from, now + 100);
  assert.equal(ok.kind, 'authenticated');
  const stray = a.onMessage(answer(c), 'W2OWN', makeEndpoint('192.0.2.8', 1), now + 200);
  assert.deepEqual(stray.kind === 'reply' ? stray.failed : stray.kind, 'no_challenge');
});

test('expired challenges are remembered for one time-to-live only', () => {
  const { a, answer } = setup();
  let now = 0;
  const c = a.onMessage({ type: 'request', callsign: 'W2OWN' }, 'W2OWN', from, now);
  now += CHALLENGE_TTL_MS + 1;
  a.sweep(now);
  now += 2 * CHALLENGE_TTL_MS + 1;
  a.sweep(now);
  const late = a.onMessage(answer(c), 'W2OWN', from, now);
  assert.deepEqual(late.kind === 'reply' ? late.failed : late.kind, 'no_challenge');
});

test('NAT rebinding seen first on a chat line: frames with the session\'s next tags move the binding; forged, replayed or untagged ones do not', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const a = new StationAuthority('optional');
  a.setKeys(new Map([['W2OWN', [{ id: 'k1', key: publicKey, comment: '' }]]]));
  const now = 10_000;
  const c = a.onMessage({ type: 'request', callsign: 'W2OWN' }, 'W2OWN', from, now);
  const m = c.kind === 'silent' ? null : c.message;
  if (m === null || m.type !== 'challenge') throw new Error('no challenge');
  const eph = ephemeralX25519();
  const t = transcript('W2OWN', m, eph.pub, true);
  const ok = a.onMessage({ type: 'response', stationPub: eph.pub, signature: signTranscript(privateKey, t), tags: true }, 'W2OWN', from, now);
  assert.equal(ok.kind, 'authenticated');
  const tagger = new FrameTagger(frameKey(sessionKey(eph.privateKey, m.serverPub, t)));
  const frame = (fill: number): Buffer => {
    const f = Buffer.alloc(FRAME_SIZE, fill);
    writeHeader(encodeCallsign('W2OWN'), f);
    tagger.tag(f);
    return f;
  };
  const sent = [frame(1), frame(2)];
  assert.ok(sent.every((f) => a.frameOk('W2OWN', f, now)), 'relayed at the bound endpoint');
  const there = makeEndpoint('198.51.100.9', 61000);
  // A replay of frames already relayed, an untagged forgery, no frames: the binding stays.
  assert.equal(a.rebindTagged('W2OWN', sent, there, now), null);
  assert.equal(a.rebindTagged('W2OWN', [Buffer.alloc(FRAME_SIZE)], there, now), null);
  assert.equal(a.rebindTagged('W2OWN', [], there, now), null);
  assert.equal(a.session('W2OWN')?.endpoint.key, from.key);
  // The station's next chat line, from its new NAT mapping: the session follows it, and the
  // same frames still pass when relayed (the check consumed nothing).
  const chat = [frame(3), frame(4)];
  assert.equal(a.rebindTagged('W2OWN', chat, there, now + 100)?.endpoint.key, there.key);
  assert.ok(a.mayUse('W2OWN', there));
  assert.ok(chat.every((f) => a.frameOk('W2OWN', f, now + 100)));
  // From the endpoint it is bound to, it is not a rebinding.
  assert.equal(a.rebindTagged('W2OWN', [frame(5)], there, now + 200), null);
});
