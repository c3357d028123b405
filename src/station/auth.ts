import type { KeyObject } from 'node:crypto';
import {
  AUTH_FAIL_TEXT,
  formatStationAuth,
  parseServerAuth,
  transcript,
  type AuthFailReason,
  type Challenge,
} from '../protocol/auth.js';
import { authPending, authStep, type AuthAction, type AuthEvent, type AuthState } from './auth-machine.js';
import { ephemeralX25519, keepaliveTag, sessionKey, signTranscript } from '../auth/crypto.js';
import { FrameTagger, frameKey } from '../auth/frame-tag.js';
import { formatControl } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface StationAuthEvents {
  authenticated: { callsign: string; at: number; frameTags: boolean };
  /** retryAt: when this station asks again by itself (null: waiting will not help). */
  failed: { reason: AuthFailReason; text: string; at: number; retryAt: number | null };
  /** The machine moved (for the faces' state and for tests). */
  state: AuthState;
}

/**
 * The station's side of authentication (docs/EXTENSIONS.md, "Authentication"): asks for
 * a challenge when it joins, answers it with its Ed25519 key, and afterwards tags its
 * keepalives with the session key so the server can follow it to a new address:port.
 * When to ask is decided by the pure machine in auth-machine.ts, driven by `tick()`.
 */
export class StationAuth extends TypedEmitter<StationAuthEvents> {
  private sessionKey: Buffer | null = null;
  /** Tags every frame sent while the session has them (null: untagged frames). */
  private tagger: FrameTagger | null = null;
  private state_: AuthState = { kind: 'idle' };
  private pendingKey: Buffer | null = null;

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

  get state(): AuthState {
    return this.state_;
  }

  /** A request is out, or one is due after a passing refusal: "needs a key" is not news yet. */
  get pending(): boolean {
    return authPending(this.state_);
  }

  /** Starts asking (at join). */
  request(): void {
    this.step({ type: 'start' });
  }

  /** The link's clock: retries and back-off fall due here. */
  tick(): void {
    this.step({ type: 'tick' });
  }

  /** The server says this callsign needs a key (it forgot us, e.g. restarted). */
  onAuthRequired(): void {
    this.step({ type: 'required' });
  }

  stop(): void {
    this.step({ type: 'stop' });
  }

  /** An `OPV:AUTH_…` text from the server (already known to come from the server's address and port). */
  handle(text: string): void {
    const m = parseServerAuth(text);
    if (m === null) return;
    switch (m.type) {
      case 'challenge':
        this.step({ type: 'challenge' }, m);
        break;
      case 'ok':
        this.okTags = m.tags;
        this.step({ type: 'ok' });
        break;
      case 'fail':
        this.step({ type: 'fail', reason: m.reason });
        break;
    }
  }

  private okTags = false;

  private step(e: AuthEvent, challenge?: Challenge): void {
    const now = this.now();
    const { state, actions } = authStep(this.state_, e, now);
    const moved = state !== this.state_;
    this.state_ = state;
    for (const a of actions) this.act(a, now, challenge);
    if (moved) this.emit('state', state);
  }

  private act(a: AuthAction, now: number, challenge: Challenge | undefined): void {
    switch (a.type) {
      case 'forget':
        this.sessionKey = null;
        this.tagger = null;
        break;
      case 'request':
        this.pendingKey = null;
        this.sendControl(formatControl({ type: 'raw', text: formatStationAuth({ type: 'request', callsign: this.callsign }) }));
        break;
      case 'respond': {
        if (challenge === undefined) return;
        const eph = ephemeralX25519();
        const t = transcript(this.callsign, challenge, eph.pub, this.wantFrameTags);
        try {
          this.pendingKey = sessionKey(eph.privateKey, challenge.serverPub, t);
        } catch {
          // A low-order point: no shared secret; unanswered, the machine asks again.
          return;
        }
        this.sendControl(formatControl({ type: 'raw', text: formatStationAuth({ type: 'response', stationPub: eph.pub, signature: signTranscript(this.key, t), tags: this.wantFrameTags }) }));
        break;
      }
      case 'authenticated':
        if (this.pendingKey === null) return;
        this.sessionKey = this.pendingKey;
        this.pendingKey = null;
        // Counter 0 is the first frame sent after the confirmation (a server that did not confirm gets none).
        this.tagger = this.okTags && this.wantFrameTags ? new FrameTagger(frameKey(this.sessionKey)) : null;
        this.emit('authenticated', { callsign: this.callsign, at: now, frameTags: this.tagger !== null });
        break;
      case 'failed':
        this.pendingKey = null;
        this.emit('failed', { reason: a.reason, text: AUTH_FAIL_TEXT[a.reason], at: now, retryAt: a.retryAt });
        break;
    }
  }

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
}
