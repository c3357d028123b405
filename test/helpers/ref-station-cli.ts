/**
 * A reference-like station as a process: it sends frames recorded from the reference
 * implementation (test/fixtures/reference-frames.json) verbatim, never announces the
 * opv extension, and reports everything it receives.
 * argv: SERVER_HOST SERVER_PORT BIND_PORT. stdin: `send <label>` (a recorded case, e.g.
 * "short chat"), `keepalive` (the recorded KEEPALIVE every 2 s from now on, as a reference
 * station keeps its registration), `stats`, `quit`. stdout: `ready`, `heard <from> <kind> <text>` per
 * message, and for `stats`: `stats frames=N bad_size=N from_server=N ext_text=N`.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkFrame, decodeCallsign, Reassembler } from '../../src/protocol/index.js';
import { isExtText, SERVER_STATION_ID } from '../../src/protocol/ext.js';
import { referenceFramesJson } from './paths.js';
import type { ReferenceVectors } from '../protocol/vectors.js';

const [host, port, bindPort] = process.argv.slice(2);
if (!host || !port || !bindPort) {
  process.stderr.write('usage: ref-station-cli SERVER_HOST SERVER_PORT BIND_PORT\n');
  process.exit(2);
}
const vectors = JSON.parse(readFileSync(referenceFramesJson, 'utf8')) as ReferenceVectors;
const sock = createSocket('udp4');
const reassembler = new Reassembler();
const c = { frames: 0, badSize: 0, fromServer: 0, extText: 0 };
sock.on('message', (buf) => {
  c.frames++;
  if (buf.length !== 134) c.badSize++;
  const chk = checkFrame(buf);
  if (!chk.ok) return;
  if (chk.stationId === SERVER_STATION_ID) c.fromServer++;
  reassembler.pushFrame(chk.stationId, buf, (id, ev) => {
    if (ev.type !== 'message') return;
    const m = ev.message;
    const what = m.kind === 'text' || m.kind === 'control' ? m.text : m.kind === 'voice' ? String(m.rtp.sequence) : `${m.payload.length}B`;
    if (m.kind === 'control' && isExtText(m.text)) c.extText++;
    process.stdout.write(`heard ${decodeCallsign(id)} ${m.kind} ${what}\n`);
  });
});
await new Promise<void>((resolve) => sock.bind(Number(bindPort), () => resolve()));
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (cmd === 'send' || cmd === 'keepalive') {
    const label = cmd === 'send' ? arg : 'keepalive';
    const fc = vectors.frames.find((f) => f.label === label);
    if (!fc) {
      process.stdout.write(`no such case ${label}\n`);
      continue;
    }
    const send = (): void => {
      for (const hex of fc.frames) sock.send(Buffer.from(hex, 'hex'), Number(port), host);
    };
    send();
    if (cmd === 'keepalive') setInterval(send, 2000).unref();
  } else if (cmd === 'stats') {
    process.stdout.write(`stats frames=${c.frames} bad_size=${c.badSize} from_server=${c.fromServer} ext_text=${c.extText}\n`);
  } else if (cmd === 'quit') break;
  process.stdout.write(`done ${cmd}\n`);
}
sock.close();
