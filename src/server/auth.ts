import { randomBytes, type KeyObject } from 'node:crypto';
import {
  CHALLENGE_TTL_MS,
  parseTaggedKeepalive,
  transcript,
  type AuthFailReason,
  type ServerAuthMessage,
  type StationAuthMessage,
} from '../protocol/auth.js';
import { checkKeepaliveTag, ephemeralX25519, sessionKey, verifyTranscript } from '../auth/crypto.js';
import { FrameTagVerifier, frameKey } from '../auth/frame-tag.js';
import type { AuthorizedKey } from './authorized-keys.js';
import type { Endpoint } from './endpoint.js';

export type AuthMode = 'off' | 'optional' | 'required';
export const AUTH_MODES: readonly AuthMode[] = ['off', 'optional', 'required'];

export interface Session {
  id: string;
  callsign: string;
  /** The address:port the callsign is bound to while the session lives. */
  endpoint: Endpoint;
  key: Buffer;
  /** Which authorized key proved it (the session ends if that key leaves the file). */
  keyId: string;
  /** Latest keepalive time seen in this session: an older tagged keepalive never moves the binding (replay). */
  lastKeepalive: number;
  /** Per-frame tags negotiated for this session: every frame of the callsign must carry a valid one. */
  frameTags: FrameTagVerifier | null;
}

interface Pending {
  callsign: string;
  nonce: Buffer;
  time: number;
  privateKey: KeyObject;
  pub: Buffer;
  expires: number;
}

/** Failures an address may make before it is cut off, and how fast it earns one back. */
const FAIL_BURST = 5;
const FAIL_REFILL_MS = 10_000;
/** Challenges handed out per second (each costs a key generation), with a burst. */
const CHALLENGES_PER_S = 50;
const CHALLENGE_BURST = 100;
const MAX_PENDING = 4096;
const MAX_FAIL_SOURCES = 50_000;
/** A tagged keepalive moves the binding only if its clock is this close to the server's. */
const KEEPALIVE_SKEW_S = 60;

export type AuthOutcome =
  | { kind: 'reply'; message: ServerAuthMessage; failed?: AuthFailReason }
  | { kind: 'authenticated'; session: Session; comment: string; message: ServerAuthMessage }
  /** Rate-limited again: say nothing (a flood gets no answers to reflect). */
  | { kind: 'silent'; failed: AuthFailReason };

/**
 * The server's side of station authentication (docs/EXTENSIONS.md, "Authentication"):
 * challenges bound to a source address:port, single-use and short-lived; sessions that
 * bind a protected callsign to one endpoint; a failure budget per source address spent
 * before any signature is checked.
 */
export class StationAuthority {
  readonly serverId = randomBytes(16);
  private keys = new Map<string, AuthorizedKey[]>();
  private readonly pending = new Map<string, Pending>();
  /** Challenges swept after they expired, so a late answer hears "expired", not "no challenge" (bounded). */
  private readonly expiredKeys = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly failBudget = new Map<string, { tokens: number; at: number; toldAt: number }>();
  private challengeTokens = CHALLENGE_BURST;
  private challengeAt = 0;
  failures = 0;
  /** Frames of tag-negotiated sessions dropped because their tag failed (forged, altered, replayed). */
  tagFailures = 0;

  constructor(
    readonly mode: AuthMode,
    private readonly nowS: (ms: number) => number = (ms) => Math.floor(ms / 1000),
  ) {}

  setKeys(keys: Map<string, AuthorizedKey[]>): { ended: string[] } {
    this.keys = keys;
    const ended: string[] = [];
    for (const [call, s] of this.sessions) {
      if (!(keys.get(call) ?? []).some((k) => k.id === s.keyId)) {
        this.sessions.delete(call);
        ended.push(call);
      }
    }
    return { ended };
  }

  get keyCount(): number {
    let n = 0;
    for (const l of this.keys.values()) n += l.length;
    return n;
  }

  get callsignCount(): number {
    return this.keys.size;
  }

  /** Listed in the authorized-keys file: only an authenticated session may use it. */
  protects(callsign: string): boolean {
    return this.mode !== 'off' && this.keys.has(callsign);
  }

  /** May this source use this callsign? (Sessions decide for protected callsigns; `required` protects all.) */
  mayUse(callsign: string, endpoint: Endpoint): boolean {
    if (this.mode === 'off') return true;
    if (!this.keys.has(callsign) && this.mode === 'optional') return true;
    return this.sessions.get(callsign)?.endpoint.key === endpoint.key;
  }

  session(callsign: string): Session | undefined {
    return this.sessions.get(callsign);
  }

  endSession(callsign: string): void {
    this.sessions.delete(callsign);
  }

  /** An authentication message from `from`, whose frames carry `callsign`. */
  onMessage(m: StationAuthMessage, callsign: string, from: Endpoint, nowMs: number): AuthOutcome {
    if (this.mode === 'off') return this.fail('disabled');
    const ip = from.address;
    // The failure budget is checked first: a source that keeps failing costs no signature checks.
    const budget = this.budget(ip, nowMs);
    if (budget.tokens < 1) {
      this.failures++;
      if (nowMs - budget.toldAt < FAIL_REFILL_MS) return { kind: 'silent', failed: 'rate_limited' };
      budget.toldAt = nowMs;
      return { kind: 'reply', message: { type: 'fail', reason: 'rate_limited' }, failed: 'rate_limited' };
    }
    if (m.type === 'request') {
      if (m.callsign !== callsign) return this.spend(budget, 'wrong_callsign');
      if (!this.keys.has(callsign)) return this.spend(budget, 'unknown_callsign');
      if (!this.takeChallengeToken(nowMs)) return this.fail('busy');
      if (this.pending.size >= MAX_PENDING) this.expire(nowMs);
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
      const eph = ephemeralX25519();
      const p: Pending = { callsign, nonce: randomBytes(16), time: this.nowS(nowMs), privateKey: eph.privateKey, pub: eph.pub, expires: nowMs + CHALLENGE_TTL_MS };
      const key = pendingKey(from, callsign);
      this.pending.delete(key);
      this.pending.set(key, p);
      return { kind: 'reply', message: { type: 'challenge', nonce: p.nonce, serverId: this.serverId, time: p.time, serverPub: p.pub } };
    }
    const key = pendingKey(from, callsign);
    const p = this.pending.get(key);
    // Single use: whatever the answer, this challenge is gone.
    this.pending.delete(key);
    if (p === undefined) return this.spend(budget, this.expiredKeys.delete(key) ? 'expired' : 'no_challenge');
    if (nowMs > p.expires) return this.spend(budget, 'expired');
    const t = transcript(callsign, { nonce: p.nonce, serverId: this.serverId, time: p.time, serverPub: p.pub }, m.stationPub, m.tags);
    const match = (this.keys.get(callsign) ?? []).find((k) => verifyTranscript(k.key, t, m.signature));
    if (match === undefined) return this.spend(budget, 'bad_signature');
    let k: Buffer;
    try {
      k = sessionKey(p.privateKey, m.stationPub, t);
    } catch {
      // A low-order X25519 point: no shared secret.
      return this.spend(budget, 'malformed');
    }
    const session: Session = { id: randomBytes(9).toString('base64url'), callsign, endpoint: from, key: k, keyId: match.id, lastKeepalive: this.nowS(nowMs) - 1, frameTags: m.tags ? new FrameTagVerifier(frameKey(k)) : null };
    this.sessions.set(callsign, session);
    return { kind: 'authenticated', session, comment: match.comment, message: { type: 'ok', sessionId: session.id, tags: m.tags } };
  }

  /**
   * Does this frame of `callsign` carry its session's next valid tag? True when the
   * callsign's session did not negotiate tags (nothing to check).
   */
  frameOk(callsign: string, frame: Uint8Array, nowMs: number): boolean {
    const v = this.sessions.get(callsign)?.frameTags;
    if (v === undefined || v === null || v.check(frame, nowMs)) return true;
    this.tagFailures++;
    return false;
  }

  malformed(): AuthOutcome {
    return this.fail('malformed');
  }

  /**
   * A keepalive of a session's callsign from another endpoint: if it carries the session's
   * tag and is newer than any keepalive seen in the session, the binding moves there.
   */
  rebind(callsign: string, text: string, from: Endpoint, nowMs: number): Session | null {
    const s = this.sessions.get(callsign);
    const k = parseTaggedKeepalive(text);
    if (s === undefined || k === null) return null;
    if (k.time <= s.lastKeepalive || Math.abs(k.time - nowMs / 1000) > KEEPALIVE_SKEW_S) return null;
    if (!checkKeepaliveTag(s.key, callsign, k.timeText, k.tag)) return null;
    s.lastKeepalive = k.time;
    s.endpoint = from;
    return s;
  }

  /**
   * Any message of a session's callsign from another endpoint whose every frame carries the
   * session's next valid tags (NAT rebinding seen first on a chat line or voice, not on a
   * keepalive): the binding moves there, so the message is relayed instead of lost.
   */
  rebindTagged(callsign: string, frames: readonly Uint8Array[], from: Endpoint, nowMs: number): Session | null {
    const s = this.sessions.get(callsign);
    if (s === undefined || s.frameTags === null || s.endpoint.key === from.key) return null;
    if (!s.frameTags.wouldAccept(frames, nowMs)) return null;
    s.endpoint = from;
    return s;
  }

  /** A keepalive from the bound endpoint: remember its time, so a captured copy cannot move the binding later. */
  noteKeepalive(callsign: string, text: string): void {
    const s = this.sessions.get(callsign);
    const k = s === undefined ? null : parseTaggedKeepalive(text);
    if (s !== undefined && k !== null && k.time > s.lastKeepalive) s.lastKeepalive = k.time;
  }

  private fail(reason: AuthFailReason): AuthOutcome {
    this.failures++;
    return { kind: 'reply', message: { type: 'fail', reason }, failed: reason };
  }

  private spend(budget: { tokens: number }, reason: AuthFailReason): AuthOutcome {
    budget.tokens -= 1;
    return this.fail(reason);
  }

  private budget(ip: string, nowMs: number): { tokens: number; at: number; toldAt: number } {
    let b = this.failBudget.get(ip);
    if (b === undefined) {
      if (this.failBudget.size >= MAX_FAIL_SOURCES) this.sweep(nowMs);
      if (this.failBudget.size >= MAX_FAIL_SOURCES) this.failBudget.delete(this.failBudget.keys().next().value!);
      b = { tokens: FAIL_BURST, at: nowMs, toldAt: 0 };
      this.failBudget.set(ip, b);
    } else {
      b.tokens = Math.min(FAIL_BURST, b.tokens + (nowMs - b.at) / FAIL_REFILL_MS);
      b.at = nowMs;
    }
    return b;
  }

  private takeChallengeToken(nowMs: number): boolean {
    this.challengeTokens = Math.min(CHALLENGE_BURST, this.challengeTokens + ((nowMs - this.challengeAt) * CHALLENGES_PER_S) / 1000);
    this.challengeAt = nowMs;
    if (this.challengeTokens < 1) return false;
    this.challengeTokens -= 1;
    return true;
  }

  private expire(nowMs: number): void {
    for (const [k, p] of this.pending) {
      if (nowMs <= p.expires) continue;
      this.pending.delete(k);
      this.expiredKeys.delete(k);
      this.expiredKeys.set(k, p.expires);
    }
    // Remembered one more time-to-live, and never more of them than of pending challenges.
    for (const [k, at] of this.expiredKeys) {
      if (this.expiredKeys.size <= MAX_PENDING && nowMs - at <= CHALLENGE_TTL_MS) break;
      this.expiredKeys.delete(k);
    }
  }

  /** About once a second: forget expired challenges and full budgets. */
  sweep(nowMs: number): void {
    this.expire(nowMs);
    for (const [ip, b] of this.failBudget) if (b.tokens + (nowMs - b.at) / FAIL_REFILL_MS >= FAIL_BURST && nowMs - b.toldAt > FAIL_REFILL_MS) this.failBudget.delete(ip);
  }
}

const pendingKey = (from: Endpoint, callsign: string): string => `${from.key}|${callsign}`;
