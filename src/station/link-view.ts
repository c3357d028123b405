import type { Refusal } from './server-ext.js';
import type { LinkState } from './types.js';
import { inert } from '../util/inert-text.js';

/**
 * What is true about this station's place on the server, for both faces: the link (does
 * the server answer?) joined with what the server said about us (refused, banned, kicked).
 * A refusal outranks "no reply": a refused station gets no echo, and "no reply" would lie.
 */
export type StationLinkView =
  | { kind: 'connecting' }
  | { kind: 'connected'; rttMs: number }
  /** Keepalives are never echoed but stations are heard: a reference server. */
  | { kind: 'reference' }
  /** Proving our callsign with the key (the server's "needs a key" is not news yet). */
  | { kind: 'authenticating' }
  /** Refused for now: in use, full, not on the allow list, needs a key; `until`: ms epoch when trying again may succeed. */
  | { kind: 'refused'; reason: Exclude<Refusal['reason'], 'banned' | 'kicked'>; until: number | null }
  | { kind: 'banned' }
  | { kind: 'kicked'; until: number | null }
  | { kind: 'no_reply'; sinceMs: number; wasConnected: boolean }
  | { kind: 'unreachable'; error: string };

export function linkView(link: LinkState, refusal: Refusal | null, authenticating: boolean): StationLinkView {
  // Sending fails: nothing the server said can be current.
  if (link.kind === 'unreachable') return { kind: 'unreachable', error: link.error };
  if (refusal !== null) {
    if (refusal.reason === 'auth_required' && authenticating) return { kind: 'authenticating' };
    if (refusal.reason === 'banned') return { kind: 'banned' };
    if (refusal.reason === 'kicked') return { kind: 'kicked', until: refusal.retryAt };
    return { kind: 'refused', reason: refusal.reason, until: refusal.retryAt };
  }
  return link;
}

/** The link and the roster are not current: others' presence is unknown. */
export function linkIsDown(v: StationLinkView): boolean {
  return v.kind === 'no_reply' || v.kind === 'unreachable' || v.kind === 'banned' || v.kind === 'kicked' || v.kind === 'refused';
}

const REFUSED_WORDS: Record<Extract<StationLinkView, { kind: 'refused' }>['reason'], string> = {
  in_use: 'callsign in use',
  full: 'server full',
  not_allowed: 'not on the allow list',
  auth_required: 'needs the callsign\'s key',
};

const clock = (ms: number): string => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });

/**
 * One phrase, plain text (inert): `full` for /status, /who and logs (line mode's words),
 * `compact` for the one-line header of the full-screen UI.
 */
export function linkViewText(v: StationLinkView, nowMs: number = Date.now(), style: 'full' | 'compact' = 'full'): string {
  const compact = style === 'compact';
  switch (v.kind) {
    case 'connecting':
      return compact ? 'connecting…' : 'connecting';
    case 'connected':
      return compact ? `connected ${v.rttMs} ms` : `connected, round trip ${v.rttMs} ms`;
    case 'reference':
      return compact ? 'reference server (no keepalive echo)' : 'reference server, no keepalive echo';
    case 'authenticating':
      return 'authenticating with the key…';
    case 'refused':
      return `refused: ${REFUSED_WORDS[v.reason]}${v.until === null ? '' : ` until ${clock(v.until)}`}`;
    case 'banned':
      return 'banned by the sysop';
    case 'kicked':
      return `kicked by the sysop${v.until === null ? '' : ` until ${clock(v.until)}`}`;
    case 'no_reply': {
      const what = compact ? 'no reply' : 'no reply from server';
      return v.wasConnected ? `${what} for ${Math.max(0, Math.round((nowMs - v.sinceMs) / 1000))} s` : what;
    }
    case 'unreachable':
      return compact ? `unreachable ${inert(v.error)}` : `unreachable: ${inert(v.error)}`;
  }
}

/** Good, waiting, or bad: each face colours it its own way. */
export function linkViewTone(v: StationLinkView): 'good' | 'wait' | 'bad' {
  switch (v.kind) {
    case 'connected':
    case 'reference':
      return 'good';
    case 'connecting':
    case 'authenticating':
      return 'wait';
    case 'no_reply':
      return v.wasConnected ? 'bad' : 'wait';
    default:
      return 'bad';
  }
}
