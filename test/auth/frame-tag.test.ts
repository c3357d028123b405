import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FRAME_TAG_RESYNC, FRAME_TAG_RESYNC_EVERY_MS, FRAME_TAG_WINDOW, FrameTagger, FrameTagVerifier, frameKey, frameTag } from '../../src/auth/frame-tag.js';
import { FRAME_SIZE } from '../../src/protocol/constants.js';
import { writeHeader } from '../../src/protocol/header.js';
import { encodeCallsign } from '../../src/protocol/callsign.js';

const ID = encodeCallsign('W1ABC');
function frame(fill: number): Buffer {
  const f = Buffer.alloc(FRAME_SIZE, fill);
  writeHeader(ID, f);
  return f;
}

/** `n` frames tagged in order by a station with `key`. */
function tagged(key: Buffer, n: number): Buffer[] {
  const t = new FrameTagger(key);
  return Array.from({ length: n }, (_, i) => {
    const f = frame(i & 0xff);
    t.tag(f);
    return f;
  });
}

test('the frame key is derived (not the session key) and the tag ignores what the reserved bytes hold', () => {
  const sk = randomBytes(32);
  const fk = frameKey(sk);
  assert.equal(fk.length, 32);
  assert.notDeepEqual(fk, sk);
  assert.deepEqual(frameKey(sk), fk);
  const f = frame(7);
  const t0 = frameTag(fk, 0, f);
  f[9] = 0xaa;
  f[11] = 0x55;
  assert.equal(frameTag(fk, 0, f), t0);
  assert.notEqual(frameTag(fk, 1, f), t0, 'the counter is bound');
  assert.notEqual(frameTag(frameKey(randomBytes(32)), 0, f), t0, 'the key is bound');
  const g = Buffer.from(f);
  g[100]! ^= 1;
  assert.notEqual(frameTag(fk, 0, g), t0, 'the payload is bound');
  // Counters beyond 32 bits are encoded in full.
  assert.notEqual(frameTag(fk, 2 ** 32, f), frameTag(fk, 0, f));
});

test('the verifier accepts frames in order, with losses inside the window, and rejects replays, alterations and other keys', () => {
  const key = frameKey(randomBytes(32));
  const frames = tagged(key, 200);
  const v = new FrameTagVerifier(key);
  assert.ok(v.check(frames[0]!, 0));
  assert.ok(v.check(frames[1]!, 0));
  assert.equal(v.check(frames[1]!, 0), false, 'a replay of the last frame');
  assert.equal(v.check(frames[0]!, 0), false, 'a replay of an older frame');
  // 40 frames lost on the way: still inside the window.
  assert.ok(v.check(frames[42]!, 0));
  assert.equal(v.next, 43);
  assert.equal(v.check(frames[10]!, 0), false, 'a frame behind the window (captured, delivered late)');
  const altered = Buffer.from(frames[43]!);
  altered[50]! ^= 0x01;
  assert.equal(v.check(altered, 0), false, 'an altered payload');
  const otherId = Buffer.from(frames[43]!);
  otherId[0]! ^= 0x01;
  assert.equal(v.check(otherId, 0), false, 'an altered header');
  assert.equal(v.check(tagged(frameKey(randomBytes(32)), 44)[43]!, 0), false, 'another session');
  const untagged = frame(43);
  assert.equal(v.check(untagged, 0), false, 'an untagged frame');
  assert.ok(v.check(frames[43]!, 0), 'the real frame after all that');
});

test('after a long outage the verifier catches up, at most once per interval', () => {
  const key = frameKey(randomBytes(32));
  const frames = tagged(key, FRAME_TAG_RESYNC);
  const v = new FrameTagVerifier(key);
  const far = FRAME_TAG_WINDOW + 100;
  // A forged frame spends the resync for this interval…
  assert.equal(v.check(frame(1), 5000), false);
  assert.equal(v.check(frames[far]!, 5000 + FRAME_TAG_RESYNC_EVERY_MS - 1), false, 'no second long search within the interval');
  // …and the next interval finds the station again.
  assert.ok(v.check(frames[far + 1]!, 5000 + FRAME_TAG_RESYNC_EVERY_MS));
  assert.equal(v.next, far + 2);
  assert.ok(v.check(frames[far + 2]!, 5000 + FRAME_TAG_RESYNC_EVERY_MS));
});

test('a 24-bit tag in a 64-frame window: random forgeries almost never pass', () => {
  const key = frameKey(randomBytes(32));
  const v = new FrameTagVerifier(key);
  let passed = 0;
  for (let i = 0; i < 2000; i++) {
    const f = frame(i & 0xff);
    randomBytes(3).copy(f, 9);
    if (v.check(f, 0)) passed++;
  }
  // Expected 2000 × 64 / 2^24 ≈ 0.008.
  assert.ok(passed <= 1, `${passed} random tags passed`);
});

test('wouldAccept: a dry run that leaves the verifier as it was on success, and keeps its resync time on failure', () => {
  const key = frameKey(randomBytes(32));
  const frames = tagged(key, 2000);
  const v = new FrameTagVerifier(key);
  assert.ok(v.check(frames[0]!, 0));
  // A message after a rebinding, checked before it is relayed: nothing consumed, so the relay's own checks pass.
  assert.ok(v.wouldAccept([frames[1]!, frames[2]!], 0));
  assert.equal(v.next, 1);
  assert.ok(v.check(frames[1]!, 0) && v.check(frames[2]!, 0));
  assert.equal(v.wouldAccept([frames[2]!], 0), false, 'a replayed frame');
  assert.equal(v.wouldAccept([], 0), false, 'no frames: no proof');
  assert.equal(v.wouldAccept([frames[3]!, frame(9)], 0), false, 'one forged frame spoils the message');
  assert.equal(v.next, 3);
  // Beyond the window: the resync search is spent by a failure (forgeries cannot buy searches) ...
  const far = frames[3 + FRAME_TAG_WINDOW + 100]!;
  assert.equal(v.wouldAccept([frame(1)], 5000), false);
  assert.equal(v.wouldAccept([far], 5000), false, 'the resync was spent by the forged frame');
  // ... and returned by a success, so the relay can resync on the same frame at once.
  assert.ok(v.wouldAccept([far], 5000 + FRAME_TAG_RESYNC_EVERY_MS));
  assert.ok(v.check(far, 5000 + FRAME_TAG_RESYNC_EVERY_MS));
  assert.ok(FRAME_TAG_RESYNC > FRAME_TAG_WINDOW + 100);
});
