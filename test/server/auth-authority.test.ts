import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { CHALLENGE_TTL_MS, transcript } from '../../src/protocol/auth.js';
import { ephemeralX25519, signTranscript } from '../../src/auth/crypto.js';
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
