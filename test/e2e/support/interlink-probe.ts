/**
 * A measuring station as a process, for the interlink tests on namespace hosts: real UDP,
 * real frames, and a record of every datagram it receives (a hash of the raw 134 bytes,
 * the sender, and for test voice the talker's sequence number and send time).
 *
 * argv: CALLSIGN SERVER_HOST SERVER_PORT [BIND_PORT]
 * stdin, one command a line:
 *   `join`           a KEEPALIVE (registers the station)
 *   `ext`            OPV-EXT:1 (the opv extension: roster, refusals)
 *   `room NAME`      OPV-EXT:ROOM NAME
 *   `chat TEXT`      a chat message
 *   `stream TAG N MS` PTT_START, N voice frames every MS ms, PTT_STOP; each voice frame's
 *                    Opus bytes carry "OPVT", TAG (one byte), its sequence number and its
 *                    send time (ms since the epoch, fractional), so a listener on the same
 *                    clock (namespaces share the host's) measures age and gaps
 *   `mark`           forget what was sent and heard so far (a clean window for `dump`)
 *   `dump`           one JSON line (Dump below)
 *   `quit`
 * stdout: `ready <port>`, `heard <from> text <text>` per chat, `srv <text>` per message from
 * the server (OPV:…), `streaming TAG` when a stream starts, and `done <cmd>` after each command.
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { checkFrame, decodeCallsign, encodeCallsign, frameMessage, MessageBuilder, Reassembler, RtpStream, ssrcForCallsign } from '../../../src/protocol/index.js';
import { SERVER_STATION_ID } from '../../../src/protocol/ext.js';

/** One received datagram: from (callsign of its station id), hash of its raw bytes, its length; for test voice tag, seq, sent and received time. */
export interface Rx {
  f: string;
  h: string;
  n: number;
  tag?: number;
  seq?: number;
  sent?: number;
  at: number;
}

export interface Dump {
  call: string;
  /** Hashes of every frame this station sent since the last `mark`. */
  sent: string[];
  rx: Rx[];
}

export const MAGIC = 'OPVT';

/** Wall clock with sub-millisecond resolution, comparable across processes on one host. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const frameHash = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex').slice(0, 20);

/** The test fields of a voice message's Opus bytes, or null when it is not test voice. */
export function parseTestVoice(opus: Uint8Array): { tag: number; seq: number; sent: number } | null {
  if (opus.length < 17) return null;
  const b = Buffer.from(opus.buffer, opus.byteOffset, opus.byteLength);
  if (b.toString('latin1', 0, 4) !== MAGIC) return null;
  return { tag: b[4]!, seq: b.readUInt32BE(5), sent: b.readDoubleBE(9) };
}

const isMain = process.argv[1]?.endsWith('interlink-probe.js') ?? false;
if (isMain) await main();

async function main(): Promise<void> {
  const [callsign, host, port, bindPort] = process.argv.slice(2);
  if (!callsign || !host || !port) {
    process.stderr.write('usage: interlink-probe CALLSIGN SERVER_HOST SERVER_PORT [BIND_PORT]\n');
    process.exit(2);
  }
  const id = encodeCallsign(callsign);
  const builder = new MessageBuilder({
    source: [10, 0, 0, 2],
    destination: [10, 0, 0, 1],
    sourcePorts: { voice: 40000, text: 40001, control: 40002 },
    initialIdentification: 1,
  });
  const rtp = new RtpStream(ssrcForCallsign(callsign), 100, 1000);
  const reassembler = new Reassembler();
  let sent: string[] = [];
  let rx: Rx[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (buf) => {
    const at = wallMs();
    const chk = checkFrame(buf);
    const r: Rx = { f: chk.ok ? decodeCallsign(chk.stationId) : '?', h: frameHash(buf), n: buf.length, at };
    rx.push(r);
    if (!chk.ok) return;
    reassembler.pushFrame(chk.stationId, buf, (sid, ev) => {
      if (ev.type !== 'message') return;
      const m = ev.message;
      if (sid === SERVER_STATION_ID && m.kind === 'control') process.stdout.write(`srv ${m.text}\n`);
      else if (m.kind === 'text') process.stdout.write(`heard ${decodeCallsign(sid)} text ${m.text}\n`);
      else if (m.kind === 'voice') {
        const t = parseTestVoice(m.opus);
        if (t !== null) Object.assign(r, t);
      }
    });
  });
  await new Promise<void>((resolve) => sock.bind(bindPort ? Number(bindPort) : 0, () => resolve()));
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // Capped by net.core.rmem_max: the default is enough at these rates.
  }

  const send = (packet: Uint8Array): void => {
    for (const f of frameMessage(id, packet)) {
      sent.push(frameHash(f));
      sock.send(f, Number(port), host);
    }
  };
  const control = (word: string): void => send(builder.control(word));

  async function stream(tag: number, n: number, everyMs: number): Promise<void> {
    control('PTT_START');
    rtp.beginTransmission();
    const payload = new Uint8Array(92);
    const b = Buffer.from(payload.buffer);
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      // Paced against the start, not by chained sleeps, so a late timer does not slow the stream.
      const wait = start + i * everyMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      rtp.writeNext(payload, 0);
      b.write(MAGIC, 12, 'latin1');
      b[16] = tag;
      b.writeUInt32BE(i, 17);
      b.writeDoubleBE(wallMs(), 21);
      b.fill((i % 200) + 1, 29);
      send(builder.build('voice', payload));
    }
    control('PTT_STOP');
  }

  process.stdout.write(`ready ${sock.address().port}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (cmd === 'join') control(`KEEPALIVE:${Math.floor(Date.now() / 1000)}`);
    else if (cmd === 'ext') control('OPV-EXT:1');
    else if (cmd === 'room') control(`OPV-EXT:ROOM ${arg}`);
    else if (cmd === 'chat') send(builder.text(arg));
    else if (cmd === 'stream') {
      const [tag, n, ms] = rest.map(Number);
      process.stdout.write(`streaming ${tag}\n`);
      await stream(tag ?? 0, n ?? 0, ms ?? 40);
    } else if (cmd === 'mark') {
      sent = [];
      rx = [];
    } else if (cmd === 'dump') process.stdout.write(`${JSON.stringify({ call: callsign, sent, rx } satisfies Dump)}\n`);
    else if (cmd === 'quit') break;
    process.stdout.write(`done ${cmd ?? ''}\n`);
  }
  sock.close();
}
