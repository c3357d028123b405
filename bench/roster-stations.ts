/**
 * The stations side of bench:roster, in its own process so their receiving does not
 * count as the relay's CPU. argv: SERVER_PORT N. Binds N UDP sockets on loopback, each a
 * station B00000… that announces the opv extension; repeats the announcements on
 * `announce` (stdin); prints `received <datagrams>` on `count`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { encodeCallsign, frameMessage, MessageBuilder } from '../src/protocol/index.js';

const port = Number(process.argv[2]);
const N = Number(process.argv[3]);
const builder = new MessageBuilder({ source: [127, 0, 0, 1], destination: [127, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 0 });
let received = 0;
const socks: Socket[] = [];
for (let i = 0; i < N; i++) {
  const s = createSocket('udp4');
  s.on('message', () => received++);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  socks.push(s);
}
let rounds = 0;
async function announce(): Promise<void> {
  // Later rounds say "still here" (OPV-EXT:1+): stations already known are not sent their roster again.
  const word = rounds++ === 0 ? 'OPV-EXT:1' : 'OPV-EXT:1+';
  for (let i = 0; i < N; i++) {
    for (const f of frameMessage(encodeCallsign(`B${String(i).padStart(5, '0')}`), builder.control(word))) socks[i]!.send(f, port, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
}
process.stdout.write(`ready ${socks[1]!.address().port}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'announce') await announce();
  else if (line === 'count') process.stdout.write(`received ${received}\n`);
  else if (line === 'quit') break;
  process.stdout.write(`done ${line}\n`);
}
for (const s of socks) s.close();
