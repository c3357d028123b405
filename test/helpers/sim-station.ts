import { createSocket, type Socket } from 'node:dgram';
import {
  checkFrame,
  decodeCallsign,
  encodeCallsign,
  frameMessage,
  MessageBuilder,
  Reassembler,
  RtpStream,
  ssrcForCallsign,
  type DecodedMessage,
} from '../../src/protocol/index.js';

export interface Heard {
  from: string;
  message: DecodedMessage;
  frame: Buffer;
}

/**
 * A minimal protocol-level station for server tests: real UDP, real frames built by
 * the protocol library, per-station reassembly of what comes back.
 */
export class SimStation {
  readonly socket: Socket;
  readonly heard: Heard[] = [];
  readonly rawFrames: Buffer[] = [];
  private closing: Promise<void> | undefined;
  private readonly builder: MessageBuilder;
  private readonly rtp: RtpStream;
  private readonly reassembler = new Reassembler();
  readonly id: number;
  private waiters: (() => void)[] = [];

  constructor(
    readonly callsign: string,
    private server: { host: string; port: number },
    opts: { bindHost?: string; bindPort?: number; /** First RTP sequence number (default 100). */ rtpSequence?: number } = {},
  ) {
    this.id = encodeCallsign(callsign);
    this.builder = new MessageBuilder({
      source: [10, 0, 0, 2],
      destination: [10, 0, 0, 1],
      sourcePorts: { voice: 40000, text: 40001, control: 40002 },
      initialIdentification: 1,
    });
    this.rtp = new RtpStream(ssrcForCallsign(callsign), opts.rtpSequence ?? 100, 1000);
    this.socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (buf) => {
      this.rawFrames.push(buf);
      const chk = checkFrame(buf);
      if (chk.ok) {
        this.reassembler.pushFrame(chk.stationId, buf, (sid, ev) => {
          if (ev.type === 'message') this.heard.push({ from: decodeCallsign(sid), message: ev.message, frame: buf });
        });
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    // A test's stand-in never holds its file open: one left unclosed by a failed test
    // would otherwise keep the file running until the runner's time-out.
    this.bound = new Promise((resolve) =>
      this.socket.bind(opts.bindPort ?? 0, opts.bindHost, () => {
        this.socket.unref();
        resolve();
      }),
    );
  }

  readonly bound: Promise<void>;

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends to `port` from now on (a peer whose port was chosen by its kernel, read back later). */
  retarget(port: number): void {
    this.server = { ...this.server, port };
  }

  sendRaw(buf: Uint8Array): void {
    this.socket.send(buf, this.server.port, this.server.host);
  }

  private sendMessage(packet: Uint8Array): void {
    for (const f of frameMessage(this.id, packet)) this.sendRaw(f);
  }

  chat(text: string): void {
    this.sendMessage(this.builder.text(text));
  }

  control(word: string): void {
    this.sendMessage(this.builder.control(word));
  }

  /** One voice packet with no PTT_START (what the reference station's start-up self-test sends). */
  voice(fill = 0x5a): void {
    const payload = new Uint8Array(92).fill(fill, 12);
    this.rtp.writeNext(payload, 0);
    this.sendMessage(this.builder.build('voice', payload));
  }

  /** Advances the RTP stream by `n` packets without sending them (lost on the way). */
  skipVoice(n: number): void {
    const scratch = new Uint8Array(12);
    for (let i = 0; i < n; i++) this.rtp.writeNext(scratch, 0);
  }

  /**
   * PTT_START, `frames` voice packets of 80 bytes, PTT_STOP, paced like a station. With
   * `pause`, the sender goes quiet after `pause.afterFrames` frames for `pause.ms`, then
   * goes on with the next sequence number (a stalled sender: late, nothing skipped).
   */
  async talk(frames: number, intervalMs = 40, pause?: { afterFrames: number; ms: number }): Promise<void> {
    this.control('PTT_START');
    this.rtp.beginTransmission();
    const payload = new Uint8Array(92);
    // Paced on a clock, as a station's frame clock is: a late timer (a loaded machine) is
    // made up by sending the next frames sooner, but never more than MAX_BEHIND at once
    // (a burst past that would meet the server's rate limit, which a real station never does).
    const MAX_BEHIND = 2;
    let due = performance.now();
    for (let i = 0; i < frames; i++) {
      this.rtp.writeNext(payload, 0);
      payload.fill((i % 200) + 1, 12);
      this.sendMessage(this.builder.build('voice', payload));
      if (pause !== undefined && i + 1 === pause.afterFrames) {
        await new Promise((r) => setTimeout(r, pause.ms));
        due = performance.now();
        continue;
      }
      if (intervalMs <= 0) continue;
      due = Math.max(due + intervalMs, performance.now() - MAX_BEHIND * intervalMs);
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    this.control('PTT_STOP');
  }

  texts(from?: string): string[] {
    return this.heard
      .filter((h) => (from === undefined || h.from === from) && h.message.kind === 'text')
      .map((h) => (h.message.kind === 'text' ? h.message.text : ''));
  }

  controls(from?: string): string[] {
    return this.heard
      .filter((h) => (from === undefined || h.from === from) && h.message.kind === 'control')
      .map((h) => (h.message.kind === 'control' ? h.message.text : ''));
  }

  /** Waits until `pred` holds (checked on every datagram), or fails after `timeoutMs`. */
  async until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.callsign}: timed out waiting for ${what}; heard ${JSON.stringify(this.texts())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Closes the socket; again is a no-op (a test may close early, its cleanup later). */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => this.socket.close(() => resolve()));
    return this.closing;
  }
}
