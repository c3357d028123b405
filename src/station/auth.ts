import type { KeyObject } from 'node:crypto';
import {
  AUTH_FAIL_TEXT,
  formatStationAuth,
  parseServerAuth,
  transcript,
  type AuthFailReason,
} from '../protocol/auth.js';
import { ephemeralX25519, keepaliveTag, sessionKey, signTranscript } from '../auth/crypto.js';
import { FrameTagger, frameKey } from '../auth/frame-tag.js';
import { formatControl } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface StationAuthEvents {
  authenticated: { callsign: string; at: number; frameTags: boolean };
  failed: { reason: AuthFailReason; text: string; at: number };
}

/** Asks again this long after a request nobody answered (a reference server never will). */
const RETRIES_MS = [5_000, 15_000];
/** Asks again at most this often when told it needs a key (e.g. after a server restart). */
const REAUTH_MIN_MS = 10_000;

/**
 * The station's side of authentication (docs/EXTENSIONS.md, "Authentication"): asks for
 * a challenge when it joins, answers it with its Ed25519 key, and afterwards tags its
 * keepalives with the session key so the server can follow it to a new address:port.
 */
export class StationAuth extends TypedEmitter<StationAuthEvents> {
  private sessionKey: Buffer | null = null;
  /** Tags every frame sent while the session has them (null: untagged frames). */
  private tagger: FrameTagger | null = null;
  /** A request is out and no answer (OK or FAIL) has come. */
  pending = false;
  private tries = 0;
  private timer: NodeJS.Timeout | null = null;
  private askedAt = -Infinity;

  constructor(
    readonly callsign: string,
    private readonly key: KeyObject,
    private readonly sendControl: (text: string) => void,
    private readonly now: () => number = Date.now,
    /** Ask for per-frame tags (docs/EXTENSIONS.md, "Frame tags"). */
    private readonly wantFrameTags = true,
  ) {
    super();
  }

  get authenticated(): boolean {
    return this.sessionKey !== null;
  }

  /** Sends OPV-AUTH:REQUEST (and asks again while nothing answers). */
  request(): void {
    this.pending = true;
    this.askedAt = this.now();
    this.sendControl(formatControl({ type: 'raw', text: formatStationAuth({ type: 'request', callsign: this.callsign }) }));
    if (this.timer) clearTimeout(this.timer);
    const next = RETRIES_MS[this.tries++];
    this.timer = next === undefined ? null : setTimeout(() => this.request(), next);
    this.timer?.unref();
  }

  /** The server says this callsign needs a key (it forgot us, e.g. restarted): ask again, not too often. */
  onAuthRequired(): void {
    if (this.now() - this.askedAt < REAUTH_MIN_MS) return;
    this.sessionKey = null;
    this.tagger = null;
    this.tries = 0;
    this.request();
  }

  /** An `OPV:AUTH_…` text from the server (already known to come from the server's address). */
  handle(text: string): void {
    const m = parseServerAuth(text);
    if (m === null) return;
    switch (m.type) {
      case 'challenge': {
        if (!this.pending) return; // never asked: an answer would be a signature for nothing
        const eph = ephemeralX25519();
        const t = transcript(this.callsign, m, eph.pub, this.wantFrameTags);
        let k: Buffer;
        try {
          k = sessionKey(eph.privateKey, m.serverPub, t);
        } catch {
          return;
        }
        this.pendingKey = k;
        this.sendControl(formatControl({ type: 'raw', text: formatStationAuth({ type: 'response', stationPub: eph.pub, signature: signTranscript(this.key, t), tags: this.wantFrameTags }) }));
        break;
      }
      case 'ok':
        if (this.pendingKey === null) return;
        this.stopRetries();
        this.sessionKey = this.pendingKey;
        this.pendingKey = null;
        this.pending = false;
        // Counter 0 is the first frame sent after the confirmation (a server that did not confirm gets none).
        this.tagger = m.tags && this.wantFrameTags ? new FrameTagger(frameKey(this.sessionKey)) : null;
        this.emit('authenticated', { callsign: this.callsign, at: this.now(), frameTags: this.tagger !== null });
        break;
      case 'fail':
        if (!this.pending) return;
        this.stopRetries();
        this.pending = false;
        this.pendingKey = null;
        this.emit('failed', { reason: m.reason, text: AUTH_FAIL_TEXT[m.reason], at: this.now() });
        break;
    }
  }

  private pendingKey: Buffer | null = null;

  /** `KEEPALIVE:<time>`, with the session's tag once authenticated. */
  keepalive(time: number): string {
    const text = formatControl({ type: 'keepalive', time });
    if (this.sessionKey === null) return text;
    const t = text.slice('KEEPALIVE:'.length);
    return `${text} ${keepaliveTag(this.sessionKey, this.callsign, t)}`;
  }

  /** Every frame on its way to the server passes here, in sending order. */
  tagFrame(frame: Uint8Array): void {
    this.tagger?.tag(frame);
  }

  get frameTags(): boolean {
    return this.tagger !== null;
  }

  private stopRetries(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  stop(): void {
    this.stopRetries();
  }
}
