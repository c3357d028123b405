/**
 * The listening stations of server-relay-cost.ts, in their own process so that their
 * receiving is not counted in the relay's CPU: STATIONS sockets on loopback, each
 * registered with the server at SERVER_PORT by a chat line, plus one talker socket
 * (registered the same way, its frames are injected in-process). Prints one JSON line
 * {talker, listeners: ports}; on stdin's end prints {received} and exits.
 * argv: SERVER_PORT STATIONS TALKER_CALLSIGN
 */
import { createSocket, type Socket } from 'node:dgram';
import { encodeCallsign, frameMessage } from '../src/protocol/index.js';
import { loadBuilder } from './load-stations.js';

const listenerCall = (i: number): string => `C${i.toString(36).toUpperCase().padStart(3, '0')}ZZ`;

const [portS, nS, talkerCall] = process.argv.slice(2);
const port = Number(portS);
const N = Number(nS);
let received = 0;
const bind = (): Promise<Socket> =>
  new Promise((resolve) => {
    const s = createSocket('udp4');
    s.on('message', () => received++);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
const join = (s: Socket, call: string, i: number): void => {
  for (const f of frameMessage(encodeCallsign(call), loadBuilder(i).text('joining'))) s.send(f, port, '127.0.0.1');
};
const listeners: Socket[] = [];
for (let i = 0; i < N; i++) {
  const s = await bind();
  join(s, listenerCall(i), i);
  listeners.push(s);
}
const talker = await bind();
join(talker, talkerCall!, N);
process.stdout.write(JSON.stringify({ talker: talker.address().port, listeners: listeners.map((s) => s.address().port) }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({ received }) + '\n');
  process.exit(0);
});
