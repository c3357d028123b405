import {
  IP_PROTO_UDP,
  IPV4_HEADER_SIZE,
  MAX_OPUS_PACKET,
  PORT_CONTROL,
  PORT_TEXT,
  PORT_VOICE,
  RTP_HEADER_SIZE,
  RTP_VERSION,
  UDP_HEADER_SIZE,
  onesComplementSum,
} from '../protocol/index.js';
import { EXT_ANNOUNCE_PREFIX, EXT_PREFIX } from '../protocol/ext.js';
import { AUTH_PREFIX } from '../protocol/auth.js';
import { KEEPALIVE_PREFIX } from '../protocol/control.js';

/**
 * What the relay needs to know about a message: its kind, and for control messages
 * the four words the server acts on and opv extension messages (docs/EXTENSIONS.md),
 * which are the server's and never relayed. `bad` is a message that does not decode.
 */
export type MessageClass = 'bad' | 'voice' | 'text' | 'data' | 'control' | 'ptt_start' | 'ptt_stop' | 'bye' | 'keepalive' | 'ext';

/**
 * Decoded bytes kept: the largest IPv4 header (60), UDP (8), and enough of the payload
 * for the texts the server reads (an authentication response is about 150 characters).
 */
const HEAD = 256;
const BOM = [0xef, 0xbb, 0xbf] as const;
const ascii = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
const WORD_PTT_START = ascii('PTT_START');
const WORD_PTT_STOP = ascii('PTT_STOP');
const WORD_BYE = ascii('BYE');
const PREFIX_KEEPALIVE = ascii(KEEPALIVE_PREFIX);
const PREFIX_EXT_ANNOUNCE = ascii(EXT_ANNOUNCE_PREFIX);
const PREFIX_EXT = ascii(EXT_PREFIX);
const PREFIX_AUTH = ascii(AUTH_PREFIX);
/** Control texts that go to the server, not to the other stations. */
const SERVER_BOUND = [PREFIX_KEEPALIVE, PREFIX_EXT_ANNOUNCE, PREFIX_EXT, PREFIX_AUTH] as const;
const SERVER_BOUND_LONGEST = Math.max(...SERVER_BOUND.map((w) => w.length));
const latin1 = new TextDecoder('latin1');

/**
 * Decodes one COBS-encoded message as its bytes stream past, keeping only the first
 * few decoded bytes and a running UDP checksum: constant memory and a constant cost
 * per byte, however long the message is. `finish()` makes the same checks as
 * `decodeEncodedMessage` (COBS structure, IPv4 header and checksum, lengths, UDP
 * checksum, RTP version, Opus size) and says what the message was; the unit tests
 * compare the two on random and corrupted input.
 */
export class MessageScanner {
  /** Data bytes still due in the current COBS block. */
  private left = 0;
  private code = 0;
  private started = false;
  private readonly head = new Uint8Array(HEAD);
  /** Decoded length so far. */
  private n = 0;
  /** Where the UDP header starts (IHL × 4), known after the first decoded byte. */
  private udpStart = IPV4_HEADER_SIZE;
  /** One's-complement sum (unfolded) of the decoded bytes from udpStart on. */
  private sum = 0;
  /** Where the text of the last control message starts and ends in `head`. */
  private textAt = 0;
  private textEnd = 0;

  reset(): void {
    this.left = 0;
    this.code = 0;
    this.started = false;
    this.n = 0;
    this.udpStart = IPV4_HEADER_SIZE;
    this.sum = 0;
  }

  /** Feeds encoded bytes `buf[from..to)`, none of which may be 0 (the caller splits at delimiters). */
  push(buf: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const b = buf[i]!;
      if (this.left === 0) {
        // A code byte. The block before it ends in an implied zero unless it was a full one.
        if (this.started && this.code !== 0xff) this.emit(0);
        this.started = true;
        this.code = b;
        this.left = b - 1;
      } else {
        this.emit(b);
        this.left--;
      }
    }
  }

  private emit(d: number): void {
    const i = this.n++;
    if (i < HEAD) {
      this.head[i] = d;
      if (i === 0) this.udpStart = Math.max(5, d & 0x0f) * 4;
    }
    if (i >= this.udpStart) {
      // udpStart is even, so the parity of i is the parity inside the UDP datagram.
      this.sum += (i & 1) === 0 ? d << 8 : d;
      if (this.sum > 0x3fffffff) this.sum = (this.sum & 0xffff) + (this.sum >>> 16);
    }
  }

  /** The message ended (its delimiter arrived): what was it? */
  finish(): MessageClass {
    if (!this.started || this.left > 0) return 'bad';
    const h = this.head;
    const len = this.n;
    // IPv4, as parseIPv4.
    if (len < IPV4_HEADER_SIZE) return 'bad';
    const ihl = h[0]! & 0x0f;
    if (h[0]! >>> 4 !== 4 || ihl < 5) return 'bad';
    const ipLen = ihl * 4;
    const total = (h[2]! << 8) | h[3]!;
    if (ipLen > len || total !== len || total < ipLen) return 'bad';
    if (onesComplementSum(h, 0, ipLen) !== 0xffff) return 'bad';
    if ((h[6]! & 0x20) !== 0 || (((h[6]! & 0x1f) << 8) | h[7]!) !== 0) return 'bad';
    if (h[9] !== IP_PROTO_UDP) return 'bad';
    // UDP, as parseUdp.
    const u = ipLen;
    if (len - u < UDP_HEADER_SIZE) return 'bad';
    const udpLength = (h[u + 4]! << 8) | h[u + 5]!;
    if (udpLength !== len - u) return 'bad';
    if (((h[u + 6]! << 8) | h[u + 7]!) !== 0) {
      let s = onesComplementSum(h, 12, 20, this.sum + IP_PROTO_UDP + udpLength);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      if (s !== 0xffff) return 'bad';
    }
    const port = (h[u + 2]! << 8) | h[u + 3]!;
    const p = u + UDP_HEADER_SIZE;
    switch (port) {
      case PORT_VOICE: {
        // RTP and Opus, as parseRtp and decodeIpPacket.
        if (len - p < RTP_HEADER_SIZE || h[p]! >>> 6 !== RTP_VERSION) return 'bad';
        const opusAt = p + RTP_HEADER_SIZE + (h[p]! & 0x0f) * 4;
        const opus = len - opusAt;
        return opus <= 0 || opus > MAX_OPUS_PACKET ? 'bad' : 'voice';
      }
      case PORT_TEXT:
        return 'text';
      case PORT_CONTROL:
        return this.controlWord(p, len);
      default:
        return 'data';
    }
  }

  /** The control words the server acts on, as parseControl reads the UTF-8 text (a leading BOM is dropped). */
  private controlWord(p: number, len: number): MessageClass {
    const h = this.head;
    let at = p;
    if (len - at >= 3 && h[at] === BOM[0] && h[at + 1] === BOM[1] && h[at + 2] === BOM[2]) at += 3;
    const rest = len - at;
    const is = (w: Uint8Array): boolean => rest === w.length && startsWith(h, at, w);
    if (is(WORD_PTT_START)) return 'ptt_start';
    if (is(WORD_PTT_STOP)) return 'ptt_stop';
    if (is(WORD_BYE)) return 'bye';
    const starts = (w: Uint8Array): boolean => rest >= w.length && startsWith(h, at, w);
    if (starts(PREFIX_KEEPALIVE)) {
      this.textAt = at;
      this.textEnd = Math.min(len, HEAD);
      return 'keepalive';
    }
    if (starts(PREFIX_EXT_ANNOUNCE) || starts(PREFIX_EXT) || starts(PREFIX_AUTH)) {
      this.textAt = at;
      this.textEnd = Math.min(len, HEAD);
      return 'ext';
    }
    return 'control';
  }

  /**
   * The text of the last message `finish()` called 'ext' or 'keepalive', as far as it was
   * kept (the first couple of hundred characters: what stations send the server is short).
   */
  extText(): string {
    return latin1.decode(this.head.subarray(this.textAt, this.textEnd));
  }
}

function startsWith(buf: Uint8Array, at: number, w: Uint8Array): boolean {
  for (let i = 0; i < w.length; i++) if (buf[at + i] !== w[i]) return false;
  return true;
}

const peekBuf = new Uint8Array(HEAD);

/** What the first bytes of a frame say it starts: a message for the server itself, or not. */
export type ServerBound = 'keepalive' | 'ext' | null;

/**
 * Does this payload start with what looks like a message for the server (a KEEPALIVE,
 * echoed to its sender only, or an opv extension message, never relayed)? Decodes at
 * most the first few dozen bytes (IPv4 and UDP headers, the first word of the text), so
 * the relay can decide without decoding whether a frame is forwarded. The inspector
 * still checks the whole message before the server acts on it.
 */
export function peekServerBound(payload: Uint8Array): ServerBound {
  let n = 0;
  let i = 0;
  const tail = UDP_HEADER_SIZE + BOM.length + SERVER_BOUND_LONGEST;
  let need = IPV4_HEADER_SIZE + tail;
  while (n < need && i < payload.length) {
    const code = payload[i++]!;
    if (code === 0) break;
    const end = Math.min(i + code - 1, payload.length);
    while (i < end && n < need) {
      const b = payload[i++]!;
      if (b === 0) return null;
      peekBuf[n++] = b;
    }
    if (n > 0) need = Math.max(5, peekBuf[0]! & 0x0f) * 4 + tail;
    if (i === end && code !== 0xff && n < need) peekBuf[n++] = 0;
  }
  if (n === 0 || peekBuf[0]! >>> 4 !== 4) return null;
  const u = Math.max(5, peekBuf[0]! & 0x0f) * 4;
  if (n < u + UDP_HEADER_SIZE) return null;
  if (((peekBuf[u + 2]! << 8) | peekBuf[u + 3]!) !== PORT_CONTROL) return null;
  let at = u + UDP_HEADER_SIZE;
  if (peekBuf[at] === BOM[0] && peekBuf[at + 1] === BOM[1] && peekBuf[at + 2] === BOM[2]) at += 3;
  const has = (w: Uint8Array): boolean => n >= at + w.length && startsWith(peekBuf, at, w);
  if (has(PREFIX_KEEPALIVE)) return 'keepalive';
  if (has(PREFIX_EXT_ANNOUNCE) || has(PREFIX_EXT) || has(PREFIX_AUTH)) return 'ext';
  return null;
}
