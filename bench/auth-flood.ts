/**
 * Attacker for bench:auth, run as its own process on a namespace host: RATE bogus
 * authentication messages per second for SECONDS, from SOCKETS source ports (so the
 * per-source frame limit does not stop them first): half `OPV-AUTH:REQUEST` for a
 * protected callsign (each asks the server for a challenge), half `OPV-AUTH:RESPONSE`
 * with random keys and signatures (two frames each). Prints `flood-start`, then a JSON
 * line with what was sent and what came back.
 * argv: SERVER_IP PORT RATE SECONDS SOCKETS CALLSIGN [junk]
 * With `junk`, the same messages with another prefix (ordinary control words from a
 * refused source): what the flood costs without anything of authentication in it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { encodeCallsign, frameMessage, MessageBuilder } from '../src/protocol/index.js';
import { formatStationAuth } from '../src/protocol/auth.js';

const [serverIp, portS, rateS, secS, socketsS, call, mode] = process.argv.slice(2);
const text = (t: string): string => (mode === 'junk' ? t.replace('OPV-AUTH:', 'XXX-AUTH:') : t);
const port = Number(portS);
const rate = Number(rateS);
const seconds = Number(secS);
const nSockets = Number(socketsS);
const id = encodeCallsign(call ?? 'W1ABC');
const builder = new MessageBuilder({ source: [10, 9, 9, 9], destination: [10, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 1 });
const toBuf = (f: Uint8Array): Buffer => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
const request = frameMessage(id, builder.control(text(formatStationAuth({ type: 'request', callsign: call ?? 'W1ABC' })))).map(toBuf);
const responses = Array.from({ length: 64 }, () =>
  frameMessage(id, builder.control(text(formatStationAuth({ type: 'response', stationPub: randomBytes(32), signature: randomBytes(64), tags: false })))).map(toBuf),
);

let replies = 0;
const sockets: Socket[] = [];
for (let i = 0; i < nSockets; i++) {
  const s = createSocket('udp4');
  s.on('message', () => replies++);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.bind(0, () => r()));
  sockets.push(s);
}

let sentMessages = 0;
let sentFrames = 0;
const TICK_MS = 10;
const perTick = (rate * TICK_MS) / 1000;
let owed = 0;
let k = 0;
console.log('flood-start');
const end = Date.now() + seconds * 1000;
await new Promise<void>((resolve) => {
  const t = setInterval(() => {
    if (Date.now() >= end) {
      clearInterval(t);
      resolve();
      return;
    }
    owed += perTick;
    while (owed >= 1) {
      owed--;
      const s = sockets[k % sockets.length]!;
      const frames = k % 2 === 0 ? request : responses[k % responses.length]!;
      for (const f of frames) s.send(f, port, serverIp);
      sentFrames += frames.length;
      sentMessages++;
      k++;
    }
  }, TICK_MS);
});
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify({ sentMessages, sentFrames, replies }));
for (const s of sockets) s.close();
