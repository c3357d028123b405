/**
 * What a server says to a station, found out the way a station finds it: from one UDP
 * socket, `OPV-EXT:1` and keepalives (and, with a key, the authentication handshake),
 * then BYE. The socket is connected to the server's address and port, so the kernel
 * delivers only the server's own datagrams, and a port nobody listens on shows as
 * ECONNREFUSED (the ICMP answer) instead of silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomInt, type KeyObject } from 'node:crypto';
import { checkFrame, encodeCallsign, formatControl, frameMessage, MessageBuilder, parseIPv4Address, Reassembler } from '../protocol/index.js';
import { formatExtAnnounce, parseExt, SERVER_STATION_ID, type RefusalReason } from '../protocol/ext.js';
import type { AuthFailReason } from '../protocol/auth.js';
import { StationAuth } from '../station/auth.js';

export interface ProbeOptions {
  host: string;
  port: number;
  callsign: string;
  /** The station's key: with it the probe authenticates as the station would. */
  key: KeyObject | null;
  /** How long to wait for answers, ms. */
  waitMs: number;
}

export interface ProbeResult {
  address: string | null;
  /** Why the server could not be reached at all (name not resolved, connection refused). */
  unreachable: string | null;
  /** Round trips of echoed keepalives, ms. */
  rttMs: number[];
  /** ms from the first datagram sent to the first answer of any kind. */
  firstAnswerMs: number | null;
  welcome: { version: number; timeoutS: number } | null;
  refusals: RefusalReason[];
  auth: { ok: true; ms: number } | { ok: false; reason: AuthFailReason; text: string } | null;
  /** Frames the server sent that were not its own word or our echo (other stations: a reference server relays). */
  relayed: number;
}

const KEEPALIVES = 3;
const KEEPALIVE_GAP_MS = 150;
/** Until the first answer a keepalive goes out this often: the send after an ICMP "port unreachable" fails with ECONNREFUSED. */
const UNANSWERED_EVERY_MS = 300;

export async function probeServer(o: ProbeOptions): Promise<ProbeResult> {
  const r: ProbeResult = { address: null, unreachable: null, rttMs: [], firstAnswerMs: null, welcome: null, refusals: [], auth: null, relayed: 0 };
  let family: number;
  try {
    const a = await lookup(o.host);
    r.address = a.address;
    family = a.family;
  } catch {
    r.unreachable = `cannot resolve "${o.host}"`;
    return r;
  }
  const sock = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(o.port, r.address!, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    sock.close();
    r.unreachable = (e as Error).message;
    return r;
  }
  return new Probe(sock, o, r).run();
}

class Probe {
  private readonly stationId: number;
  private readonly builder: MessageBuilder;
  private readonly reassembler = new Reassembler();
  private readonly auth: StationAuth | null;
  private readonly started = performance.now();
  private sentKeepalives = 0;
  private done: (() => void) | null = null;
  private authAsked = false;

  constructor(
    private readonly sock: Socket,
    private readonly o: ProbeOptions,
    private readonly r: ProbeResult,
  ) {
    this.stationId = encodeCallsign(o.callsign);
    const local = sock.address();
    this.builder = new MessageBuilder({
      source: parseIPv4Address(local.address) ?? [127, 0, 0, 1],
      destination: parseIPv4Address(r.address ?? '') ?? [127, 0, 0, 1],
      sourcePorts: { voice: local.port, text: local.port, control: local.port },
      initialIdentification: randomInt(0, 0x10000),
    });
    // No frame tags: the probe sends a handful of control frames and leaves.
    this.auth = o.key === null ? null : new StationAuth(o.callsign, o.key, (t) => void this.control(t), Date.now, false);
    this.auth?.on('authenticated', () => {
      this.r.auth = { ok: true, ms: Math.round(performance.now() - this.started) };
      // Admitted now: the keepalives that follow are echoed.
      this.sentKeepalives = Math.min(this.sentKeepalives, KEEPALIVES - 1);
      this.keepalive();
    });
    this.auth?.on('failed', (f) => {
      this.r.auth = { ok: false, reason: f.reason, text: f.text };
      this.check();
    });
  }

  async run(): Promise<ProbeResult> {
    this.sock.on('message', (buf) => this.onDatagram(buf));
    this.sock.on('error', (e) => this.onError(e));
    const finished = new Promise<void>((resolve) => (this.done = resolve));
    const timer = setTimeout(() => this.finish(), this.o.waitMs);
    const asking = setInterval(() => {
      if (this.r.firstAnswerMs === null) void this.control(formatControl({ type: 'keepalive', time: Date.now() / 1000 }));
    }, UNANSWERED_EVERY_MS);
    void this.control(formatExtAnnounce(false));
    if (this.auth) {
      this.authAsked = true;
      this.auth.request();
    }
    this.keepalive();
    await finished;
    clearTimeout(timer);
    clearInterval(asking);
    this.auth?.stop();
    // Leave as a station leaves, so the server forgets the probe at once.
    if (this.r.unreachable === null) await this.control(formatControl({ type: 'bye' }));
    await new Promise<void>((resolve) => this.sock.close(() => resolve()));
    return this.r;
  }

  /** One control message, frame by frame; resolves once the kernel has taken the last. */
  private control(text: string): Promise<void> {
    const frames = frameMessage(this.stationId, this.builder.control(text));
    const sent = (f: Uint8Array): Promise<void> =>
      new Promise((resolve) =>
        this.sock.send(f, (err) => {
          if (err) this.onError(err);
          resolve();
        }),
      );
    return Promise.all(frames.map(sent)).then(() => undefined);
  }

  private onError(e: NodeJS.ErrnoException): void {
    if (this.done === null) return;
    this.r.unreachable ??= e.code === 'ECONNREFUSED' ? 'connection refused: nothing listens on that UDP port' : e.message;
    this.finish();
  }

  private keepalive(): void {
    if (this.done === null || this.sentKeepalives >= KEEPALIVES) return;
    this.sentKeepalives++;
    const time = Date.now() / 1000;
    void this.control(this.auth?.keepalive(time) ?? formatControl({ type: 'keepalive', time }));
  }

  private onDatagram(buf: Buffer): void {
    const chk = checkFrame(buf);
    if (!chk.ok) return;
    this.r.firstAnswerMs ??= Math.round(performance.now() - this.started);
    this.reassembler.pushFrame(chk.stationId, buf, (id, ev) => {
      if (ev.type !== 'message') return;
      const m = ev.message;
      if (id === this.stationId && m.kind === 'control' && m.control.type === 'keepalive' && m.control.time !== null) {
        this.r.rttMs.push(Math.max(0, Date.now() - m.control.time * 1000));
        setTimeout(() => this.keepalive(), KEEPALIVE_GAP_MS);
      } else if (id === SERVER_STATION_ID && m.kind === 'control') {
        this.onServerText(m.text);
      } else if (id !== this.stationId) {
        this.r.relayed++;
      }
      this.check();
    });
  }

  private onServerText(text: string): void {
    if (text.startsWith('OPV:AUTH_')) {
      this.auth?.handle(text);
      return;
    }
    const m = parseExt(text);
    if (m?.type === 'welcome') this.r.welcome = { version: m.version, timeoutS: m.timeoutS };
    else if (m?.type === 'refused' && !this.r.refusals.includes(m.reason)) this.r.refusals.push(m.reason);
  }

  /** Done early once everything that can be learned has been. */
  private check(): void {
    const echoes = this.r.rttMs.length >= KEEPALIVES;
    const authSettled = !this.authAsked || this.r.auth !== null;
    const refusedForGood = this.r.refusals.some((x) => x !== 'auth_required') || (this.r.refusals.includes('auth_required') && this.auth === null);
    if ((echoes && this.r.welcome !== null && authSettled) || (refusedForGood && authSettled)) this.finish();
  }

  private finish(): void {
    const d = this.done;
    this.done = null;
    d?.();
  }
}
