import type { AuthFailReason } from '../protocol/auth.js';

/**
 * Station authentication as a pure state machine (docs/EXTENSIONS.md, "Authentication"):
 * `authStep(state, event, nowMs)` returns the next state and what to do. The caller owns
 * the crypto and the socket; this decides when to ask, when to ask again, and when to stop.
 */
export type AuthState =
  | { kind: 'idle' }
  /** OPV-AUTH:REQUEST out, no challenge yet. */
  | { kind: 'asking'; tries: number; sentAt: number; retryAt: number }
  /** The challenge answered, no OK yet. */
  | { kind: 'answering'; tries: number; sentAt: number; retryAt: number }
  | { kind: 'authenticated'; at: number }
  /** Refused for a reason that passes (busy, rate limited, expired…): asks again at retryAt. */
  | { kind: 'backoff'; reason: AuthFailReason; tries: number; retryAt: number }
  /** Refused for a reason waiting will not cure (wrong key, unknown callsign); asked again only when the server says it needs the key, not more often than REFAIL_MS. */
  | { kind: 'failed'; reason: AuthFailReason; at: number }
  /** Nothing ever answered (a reference server): quiet until the server speaks of keys. */
  | { kind: 'unanswered'; at: number }
  | { kind: 'stopped' };

export type AuthEvent =
  | { type: 'start' }
  | { type: 'tick' }
  | { type: 'challenge' }
  | { type: 'ok' }
  | { type: 'fail'; reason: AuthFailReason }
  /** The server says this callsign needs a key (it forgot our session: restarted, or the link was rebound). */
  | { type: 'required' }
  | { type: 'stop' };

export type AuthAction =
  | { type: 'request' }
  | { type: 'respond' }
  /** The pending session key becomes the session's. */
  | { type: 'authenticated' }
  /** The old session (if any) is void: keepalives and frames go untagged until the next OK. */
  | { type: 'forget' }
  /** retryAt: when it asks again by itself (null: only when the server asks for the key). */
  | { type: 'failed'; reason: AuthFailReason; retryAt: number | null };

/** An unanswered request or response is sent again after these waits; then the server is taken not to speak of keys. */
export const AUTH_UNANSWERED_MS = [3_000, 6_000, 15_000] as const;
/** Back-off after a passing refusal: first wait, doubling, capped. */
export const AUTH_BACKOFF_MS = 1_000;
export const AUTH_BACKOFF_MAX_MS = 30_000;
/** "Too many failures from this address" asks for a minute's patience. */
const RATE_LIMITED_MS = 15_000;
/** After a lasting failure, asked again on "needs a key" at most this often. */
export const REFAIL_MS = 30_000;

/** Failures that pass with time: asked again with back-off, never given up for good. */
const PASSING: ReadonlySet<AuthFailReason> = new Set(['busy', 'rate_limited', 'expired', 'no_challenge', 'malformed']);

export function isPassing(reason: AuthFailReason): boolean {
  return PASSING.has(reason);
}

export function backoffMs(reason: AuthFailReason, tries: number): number {
  const base = Math.min(AUTH_BACKOFF_MAX_MS, AUTH_BACKOFF_MS * 2 ** Math.max(0, tries - 1));
  return reason === 'rate_limited' ? Math.max(RATE_LIMITED_MS, base) : base;
}

type Step = { state: AuthState; actions: AuthAction[] };

function ask(tries: number, now: number, extra: AuthAction[] = []): Step {
  return { state: { kind: 'asking', tries, sentAt: now, retryAt: now + AUTH_UNANSWERED_MS[Math.min(tries, AUTH_UNANSWERED_MS.length - 1)]! }, actions: [...extra, { type: 'request' }] };
}

const same = (state: AuthState): Step => ({ state, actions: [] });

export function authStep(s: AuthState, e: AuthEvent, now: number): Step {
  if (s.kind === 'stopped') return same(s);
  switch (e.type) {
    case 'stop':
      return { state: { kind: 'stopped' }, actions: [] };
    case 'start':
      return s.kind === 'idle' ? ask(0, now) : same(s);
    case 'tick':
      if ((s.kind === 'asking' || s.kind === 'answering') && now >= s.retryAt) {
        // Nothing answered: ask again, a few times, then take it that this server does not authenticate.
        const tries = s.tries + 1;
        return tries >= AUTH_UNANSWERED_MS.length ? { state: { kind: 'unanswered', at: now }, actions: [] } : ask(tries, now);
      }
      if (s.kind === 'backoff' && now >= s.retryAt) return ask(s.tries, now);
      return same(s);
    case 'challenge':
      // A challenge never asked for would get a signature for nothing.
      if (s.kind !== 'asking') return same(s);
      return { state: { kind: 'answering', tries: s.tries, sentAt: now, retryAt: now + AUTH_UNANSWERED_MS[0] }, actions: [{ type: 'respond' }] };
    case 'ok':
      if (s.kind !== 'answering') return same(s);
      return { state: { kind: 'authenticated', at: now }, actions: [{ type: 'authenticated' }] };
    case 'fail': {
      if (s.kind !== 'asking' && s.kind !== 'answering') return same(s);
      if (isPassing(e.reason)) {
        const tries = s.kind === 'asking' || s.kind === 'answering' ? s.tries + 1 : 1;
        const retryAt = now + backoffMs(e.reason, tries);
        return { state: { kind: 'backoff', reason: e.reason, tries, retryAt }, actions: [{ type: 'failed', reason: e.reason, retryAt }] };
      }
      return { state: { kind: 'failed', reason: e.reason, at: now }, actions: [{ type: 'failed', reason: e.reason, retryAt: null }] };
    }
    case 'required':
      switch (s.kind) {
        case 'asking':
        case 'answering':
          // The answer is on its way (the server repeats "needs a key" until it comes). A new
          // request now would void the response in flight, and its OK would then seal the
          // wrong key: a lost request is asked again by the tick instead.
          return same(s);
        case 'backoff':
          // The server is busy: asking sooner would only add to it.
          return same(s);
        case 'failed':
          return now - s.at < REFAIL_MS ? same(s) : ask(0, now);
        case 'authenticated':
          // The server forgot the session (a restart): the old key is void at once.
          return ask(0, now, [{ type: 'forget' }]);
        case 'idle':
        case 'unanswered':
          return ask(0, now);
      }
  }
  return same(s);
}

/** Waiting for an answer, or for the time to ask again after a passing refusal. */
export function authPending(s: AuthState): boolean {
  return s.kind === 'asking' || s.kind === 'answering' || s.kind === 'backoff';
}
