/**
 * Proof of origin for everything that crosses NATS. Anyone who can publish on the NATS
 * network could otherwise speak for every server, so each message carries the sender's
 * sequence number and an Ed25519 signature by the sender's server key
 * (docs/EXTENSIONS.md, "Interlink messages"):
 *
 *   frame:   [134-byte frame][seq: 8 bytes][signature: 64 bytes]          (206 bytes)
 *   control: [seq: 8 bytes][signature: 64 bytes][presence JSON]
 *
 * The signature covers a domain string, the NATS subject (room and sender are in it, so
 * a frame cannot be moved to another room or sender) and the seq and payload. The seq is
 * the sender's clock in microseconds, made strictly increasing: it is at once the
 * message's time (refused when more than FRESH_MS from ours) and its identity for the
 * replay and duplicate checks. A MAC would be cheaper, but every NATS subscriber reads every
 * message, so no key shared over NATS would be secret: only a signature proves the sender.
 *
 * With --interlink-trust open the same format is used with a zero signature that is not
 * checked (any publisher is believed); sequence, freshness and duplicates still hold.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { FRAME_SIZE } from '../protocol/constants.js';
import { SeenWindow } from './dedupe.js';
import type { PeerKey } from './peers.js';

export type TrustMode = 'signed' | 'open';

export const SEQ_BYTES = 8;
export const SIG_BYTES = 64;
export const SEALED_FRAME_SIZE = FRAME_SIZE + SEQ_BYTES + SIG_BYTES;
export const CONTROL_HEADER_BYTES = SEQ_BYTES + SIG_BYTES;
/** How far a message's time (its seq) may be from ours: clock skew plus transit, and the replay horizon after a restart. */
export const FRESH_MS = 30_000;

const FRAME_DOMAIN = Buffer.from('opv-interlink-frame-v1\0');
const CONTROL_DOMAIN = Buffer.from('opv-interlink-control-v1\0');
const ZERO_SIG = Buffer.alloc(SIG_BYTES);
const TWO_32 = 2 ** 32;

export interface TrustCounters {
  rejected_signature: number;
  rejected_replay: number;
  rejected_unknown_peer: number;
  duplicates_dropped: number;
}

export type Refusal = keyof TrustCounters;

export interface TrustOptions {
  serverId: string;
  mode: TrustMode;
  /** This server's private key (null only in open mode). */
  key: KeyObject | null;
  peers: Map<string, PeerKey>;
  now?: () => number;
}

function writeSeq(buf: Buffer, off: number, seq: number): void {
  buf.writeUInt32BE(Math.floor(seq / TWO_32), off);
  buf.writeUInt32BE(seq % TWO_32, off + 4);
}

function readSeq(buf: Uint8Array, off: number): number {
  const v = Buffer.from(buf.buffer, buf.byteOffset + off, SEQ_BYTES);
  return v.readUInt32BE(0) * TWO_32 + v.readUInt32BE(4);
}

export class InterlinkTrust {
  readonly mode: TrustMode;
  readonly counters: TrustCounters = { rejected_signature: 0, rejected_replay: 0, rejected_unknown_peer: 0, duplicates_dropped: 0 };
  private peers: Map<string, PeerKey>;
  private readonly key: KeyObject | null;
  private readonly serverId: string;
  private readonly now: () => number;
  private lastSeq = 0;
  private readonly frameWindows = new Map<string, SeenWindow>();
  private readonly controlSeq = new Map<string, number>();
  private readonly subjectBytes = new Map<string, Buffer>();
  /** The last refusal, for the caller's summary log line. */
  lastRefusal: { origin: string; why: Refusal } | null = null;

  constructor(o: TrustOptions) {
    if (o.mode === 'signed' && o.key === null) throw new Error('a signed interlink needs a server key');
    this.mode = o.mode;
    this.key = o.key;
    this.peers = o.peers;
    this.serverId = o.serverId;
    this.now = o.now ?? Date.now;
  }

  /** The peers file changed: a server taken out is refused from its next message on. */
  setPeers(peers: Map<string, PeerKey>): void {
    this.peers = peers;
    for (const id of [...this.frameWindows.keys()]) if (!peers.has(id)) this.frameWindows.delete(id);
    for (const id of [...this.controlSeq.keys()]) if (!peers.has(id)) this.controlSeq.delete(id);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Strictly increasing, and our clock in microseconds whenever the clock moves forward. */
  nextSeq(): number {
    const t = this.now() * 1000;
    this.lastSeq = t > this.lastSeq ? t : this.lastSeq + 1;
    return this.lastSeq;
  }

  sealFrame(subject: string, frame: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(SEALED_FRAME_SIZE);
    out.set(frame, 0);
    writeSeq(out, FRAME_SIZE, this.nextSeq());
    const sig = this.sign(FRAME_DOMAIN, subject, out.subarray(0, FRAME_SIZE + SEQ_BYTES));
    out.set(sig, FRAME_SIZE + SEQ_BYTES);
    return out;
  }

  sealControl(subject: string, json: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(CONTROL_HEADER_BYTES + json.byteLength);
    writeSeq(out, 0, this.nextSeq());
    out.set(json, CONTROL_HEADER_BYTES);
    const signed = Buffer.concat([out.subarray(0, SEQ_BYTES), json]);
    out.set(this.sign(CONTROL_DOMAIN, subject, signed), SEQ_BYTES);
    return out;
  }

  /**
   * A sealed frame from `origin` on `subject` → the 134-byte frame (a view into `data`), or
   * null, counted, when the sender is not a peer, the signature fails, or it is stale or
   * already delivered. The caller has checked the size.
   */
  openFrame(origin: string, subject: string, data: Uint8Array): Buffer | null {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!this.verify(FRAME_DOMAIN, origin, subject, buf.subarray(0, FRAME_SIZE + SEQ_BYTES), buf.subarray(FRAME_SIZE + SEQ_BYTES))) return null;
    const seq = readSeq(buf, FRAME_SIZE);
    if (!this.fresh(origin, seq)) return null;
    let w = this.frameWindows.get(origin);
    if (w === undefined) {
      w = new SeenWindow();
      this.frameWindows.set(origin, w);
    }
    const v = w.check(seq);
    if (v !== 'new') return this.refuse(origin, v === 'duplicate' ? 'duplicates_dropped' : 'rejected_replay');
    return buf.subarray(0, FRAME_SIZE);
  }

  /** A sealed control message → its JSON bytes, or null (counted). Control messages must come in order. */
  openControl(origin: string, subject: string, data: Uint8Array): Uint8Array | null {
    if (data.byteLength <= CONTROL_HEADER_BYTES) return this.refuse(origin, 'rejected_signature');
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const json = buf.subarray(CONTROL_HEADER_BYTES);
    const signed = Buffer.concat([buf.subarray(0, SEQ_BYTES), json]);
    if (!this.verify(CONTROL_DOMAIN, origin, subject, signed, buf.subarray(SEQ_BYTES, CONTROL_HEADER_BYTES))) return null;
    const seq = readSeq(buf, 0);
    if (!this.fresh(origin, seq)) return null;
    const last = this.controlSeq.get(origin);
    if (last !== undefined && seq <= last) return this.refuse(origin, seq === last ? 'duplicates_dropped' : 'rejected_replay');
    this.controlSeq.set(origin, seq);
    return json;
  }

  private fresh(origin: string, seq: number): boolean {
    if (Math.abs(seq / 1000 - this.now()) <= FRESH_MS) return true;
    this.refuse(origin, 'rejected_replay');
    return false;
  }

  private sign(domain: Buffer, subject: string, body: Buffer): Buffer {
    if (this.key === null) return ZERO_SIG;
    return sign(null, Buffer.concat([domain, this.subject(subject), body]), this.key);
  }

  private verify(domain: Buffer, origin: string, subject: string, body: Buffer, sig: Buffer): boolean {
    if (this.mode === 'open') return true;
    const peer = origin === this.serverId ? undefined : this.peers.get(origin);
    if (peer === undefined) {
      this.refuse(origin, 'rejected_unknown_peer');
      return false;
    }
    let ok = false;
    try {
      ok = verify(null, Buffer.concat([domain, this.subject(subject), body]), peer.key, sig);
    } catch {
      ok = false;
    }
    if (!ok) this.refuse(origin, 'rejected_signature');
    return ok;
  }

  private subject(s: string): Buffer {
    let b = this.subjectBytes.get(s);
    if (b === undefined) {
      b = Buffer.from(s + '\0');
      // Subjects are rooms × servers: few. The bound only guards against a bug.
      if (this.subjectBytes.size < 4096) this.subjectBytes.set(s, b);
    }
    return b;
  }

  private refuse(origin: string, why: Refusal): null {
    this.counters[why]++;
    this.lastRefusal = { origin, why };
    return null;
  }
}
