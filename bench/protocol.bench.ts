/**
 * npm run bench:protocol — frames encoded and decoded per second on one core.
 * Encoding is the station's path (RTP + UDP + IPv4 + COBS + framing); decoding is
 * the receiver's (header check + per-station reassembly + COBS + checksums + parse).
 */
import {
  checkFrame,
  encodeCallsign,
  frameMessage,
  MessageBuilder,
  Reassembler,
  RtpStream,
  ssrcForCallsign,
  OPUS_PACKET_SIZE,
  RTP_HEADER_SIZE,
} from '../src/protocol/index.js';

function measure(label: string, unit: string, fn: () => number, seconds = 2): void {
  // Warm up the JIT before timing.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    n += fn();
    now = performance.now();
  }
  const perSec = (n / (now - start)) * 1000;
  console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} ${unit}/s  (${(1e6 / perSec).toFixed(2)} µs each)`);
}

const builder = new MessageBuilder({
  source: [192, 168, 1, 100],
  destination: [192, 168, 1, 10],
  sourcePorts: { voice: 51924, text: 64209, control: 49897 },
  initialIdentification: 1,
});
const id = encodeCallsign('W1ABC');
const rtp = new RtpStream(ssrcForCallsign('W1ABC'), 1, 1);
const opus = new Uint8Array(OPUS_PACKET_SIZE);
for (let i = 0; i < opus.length; i++) opus[i] = (i * 37 + 11) & 0xff || 1;
const voicePayload = new Uint8Array(RTP_HEADER_SIZE + OPUS_PACKET_SIZE);
voicePayload.set(opus, RTP_HEADER_SIZE);

const encodeVoice = (): number => {
  rtp.writeNext(voicePayload, 0);
  return frameMessage(id, builder.build('voice', voicePayload)).length;
};
const chatLine = 'The quick brown fox jumps over the lazy dog. '.repeat(9);
const encodeChat = (): number => frameMessage(id, builder.text(chatLine)).length;

// A pool of real voice frames from 8 stations, decoded round-robin as a server would see them.
const calls = ['W1ABC', 'VE3XYZ', 'K5XYZ', 'N0CALL', 'W1AW', 'KB5MU-11', 'G4ABC', 'DL1XYZ'];
const pool: Uint8Array[] = [];
for (let k = 0; k < 256; k++) {
  for (const c of calls) {
    rtp.writeNext(voicePayload, 0);
    pool.push(...frameMessage(encodeCallsign(c), builder.build('voice', voicePayload)));
  }
}
const chatPool = calls.flatMap((c) => frameMessage(encodeCallsign(c), builder.text(chatLine)));
let sink = 0;
let errors = 0;
/** Each pool is replayed in order through its own reassembler, so messages stay whole. */
const decode = (frames: Uint8Array[]): (() => number) => {
  const reassembler = new Reassembler();
  let k = 0;
  return () => {
    const f = frames[k++ % frames.length]!;
    const chk = checkFrame(f);
    if (chk.ok) {
      reassembler.pushFrame(chk.stationId, f, (_id, ev) => {
        if (ev.type === 'message') sink++;
        else errors++;
      });
    }
    return 1;
  };
};
let i = 0;
const validate = (): number => {
  const f = pool[i++ % pool.length]!;
  return checkFrame(f).ok ? 1 : 0;
};

console.log(`opv protocol benchmark — node ${process.version}, one core`);
measure('encode voice message → 1 frame', 'frames', encodeVoice);
measure('encode 405-byte chat line → 4 frames', 'frames', encodeChat);
measure('validate frame header (server admission)', 'frames', validate);
measure('decode voice frames (reassemble + parse)', 'frames', decode(pool));
measure('decode chat frames (reassemble + parse)', 'frames', decode(chatPool));
if (sink === 0 || errors > 0) {
  console.error('benchmark decoded nothing or hit errors — the figures are not valid');
  process.exit(1);
}
const mem = process.memoryUsage();
console.log(`rss ${(mem.rss / 1048576).toFixed(1)} MiB, heap used ${(mem.heapUsed / 1048576).toFixed(1)} MiB`);
