/**
 * Part of npm run bench:auth: the CPU cost of per-frame tags (docs/EXTENSIONS.md,
 * "Frame tags"), in-process: a station tagging a frame, the server verifying an
 * in-order frame, and the server rejecting a forged one (a full 64-counter window).
 */
import { randomBytes } from 'node:crypto';
import { FRAME_TAG_WINDOW, FrameTagger, FrameTagVerifier, frameKey } from '../src/auth/frame-tag.js';
import { FRAME_SIZE } from '../src/protocol/constants.js';

const key = frameKey(randomBytes(32));
const N = 200_000;
const frames = Array.from({ length: 256 }, () => randomBytes(FRAME_SIZE));

function time(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 5000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`  ${label.padEnd(52)} ${us.toFixed(2)} µs`);
  return us;
}

console.log(`bench:auth — per-frame tags (one HMAC-SHA256 over 8 + ${FRAME_SIZE} bytes per frame)`);
// The station: tag every frame it sends.
const tagger = new FrameTagger(key);
time('station: tag one frame', N, (i) => tagger.tag(frames[i & 255]!));
// The server: every frame in order (the hot path: one HMAC per frame).
const sender = new FrameTagger(key);
const stream = Array.from({ length: N + 5000 }, (_, i) => {
  const f = Buffer.from(frames[i & 255]!);
  sender.tag(f);
  return f;
});
const v = new FrameTagVerifier(key);
let next = 0;
let ok = 0;
time('server: verify one in-order frame', N, () => {
  if (v.check(stream[next++]!, 0)) ok++;
});
// Forged frames search the whole window (W HMACs), never the long resync (once a second).
const v2 = new FrameTagVerifier(key);
v2.check(frames[0]!, 0); // spends the resync of this second
const forged = randomBytes(FRAME_SIZE);
time(`server: reject one forged frame (${FRAME_TAG_WINDOW} counters)`, 5000, () => {
  v2.check(forged, 1);
});
if (ok !== next) throw new Error(`${next - ok} in-order frames failed`);
