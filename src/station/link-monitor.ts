import type { LinkState } from './types.js';

/**
 * The link monitor as a pure state machine: keepalives, their echoes and send failures go
 * in as events with the time; out come the next state and what to do (send a keepalive or
 * a delivery probe, tell the new link state). The engine owns the socket and one clock.
 */
export interface LinkMonitorState {
  link: LinkState;
  /** When the oldest keepalive still unanswered went out (null: all answered). */
  unansweredSince: number | null;
  lastKeepaliveAt: number;
  lastEchoAt: number | null;
  /** Since when the link has been answering again (held chat waits to let others re-register). */
  connectedSince: number;
  /** Any frame from another station seen (tells a reference server from a dead one). */
  heardAnyone: boolean;
  /** When sending last failed: unreachable until a send succeeds after it. */
  unreachableAt: number;
}

export const initialLinkMonitor = (): LinkMonitorState => ({
  link: { kind: 'connecting' },
  unansweredSince: null,
  lastKeepaliveAt: -Infinity,
  lastEchoAt: null,
  connectedSince: 0,
  heardAnyone: false,
  unreachableAt: 0,
});

export type LinkEvent =
  | {
      type: 'tick';
      intervalMs: number;
      pttActive: boolean;
      /** Chat lines sent and not yet confirmed by an echo: probe fast. */
      unconfirmed: number;
      /** When a frame last went out (any lane), and when the kernel last accepted one. */
      lastSendAt: number;
      lastSendOkAt: number;
    }
  | { type: 'echo'; rttMs: number }
  /** A keepalive went out (a delivery probe behind chat, sent by the engine). */
  | { type: 'keepaliveSent' }
  | { type: 'sendError'; error: string }
  | { type: 'heard' }
  /** PTT pressed: a long transmission keeps the registration fresh; no answer is due. */
  | { type: 'transmitting' };

export type LinkAction = { type: 'keepalive' } | { type: 'probe' } | { type: 'link'; link: LinkState };

/** Keepalives unanswered for this many intervals mean "no reply from server" (never connected). */
export const NO_REPLY_INTERVALS = 3;
/** After having been connected: no echo for this long means the server went silent. */
export const SILENT_SERVER_MS = 3000;
/** While the server is silent (or a chat line awaits confirmation), keepalives go out this often. */
export const PROBE_MS = 750;
/** Fast probing lasts this long into an outage. */
export const FAST_PROBE_FOR_MS = 60_000;

type Step = { state: LinkMonitorState; actions: LinkAction[] };

export function linkStep(s0: LinkMonitorState, e: LinkEvent, now: number): Step {
  const s = { ...s0 };
  const actions: LinkAction[] = [];
  const setLink = (link: LinkState): void => {
    if (link.kind === 'unreachable') s.unreachableAt = now;
    s.link = link;
    actions.push({ type: 'link', link });
  };
  switch (e.type) {
    case 'echo':
      s.unansweredSince = null;
      s.lastEchoAt = now;
      if (s.link.kind !== 'connected') s.connectedSince = now;
      setLink({ kind: 'connected', rttMs: Math.max(0, Math.round(e.rttMs)) });
      return { state: s, actions };
    case 'keepaliveSent':
      s.lastKeepaliveAt = now;
      s.unansweredSince ??= now;
      return { state: s, actions };
    case 'sendError':
      setLink({ kind: 'unreachable', error: e.error });
      return { state: s, actions };
    case 'heard':
      if (s.heardAnyone) return { state: s0, actions };
      s.heardAnyone = true;
      return { state: s, actions };
    case 'transmitting':
      s.unansweredSince = null;
      return { state: s, actions };
    case 'tick':
      break;
  }
  const wasConnected = s.lastEchoAt !== null;
  // Fast while an outage is young (a restarting server registers us again at once), back to the normal pace when it lasts.
  const young = s.unansweredSince !== null && now - s.unansweredSince < FAST_PROBE_FOR_MS;
  const probing = (wasConnected && young) || e.unconfirmed > 0 || (s.link.kind === 'unreachable' && young);
  const due = probing ? PROBE_MS : e.intervalMs;
  // Only while idle: frames in flight already keep the server's registration fresh.
  if (!e.pttActive && now - s.lastKeepaliveAt >= due - 50 && now - e.lastSendAt >= Math.min(due, e.intervalMs) - 50) {
    actions.push({ type: e.unconfirmed > 0 ? 'probe' : 'keepalive' });
    s.lastKeepaliveAt = now;
    s.unansweredSince ??= now;
  }
  const waited = s.unansweredSince === null ? 0 : now - s.unansweredSince;
  if (s.link.kind === 'unreachable' && e.lastSendOkAt > s.unreachableAt) {
    // Sending works again but nothing has answered yet.
    setLink(wasConnected || !s.heardAnyone ? { kind: 'no_reply', sinceMs: s.lastEchoAt ?? s.unansweredSince ?? now, wasConnected } : { kind: 'reference' });
  }
  if (wasConnected) {
    if (waited > SILENT_SERVER_MS && s.link.kind !== 'unreachable' && s.link.kind !== 'no_reply') {
      setLink({ kind: 'no_reply', sinceMs: s.lastEchoAt ?? now, wasConnected: true });
    }
  } else if (waited > NO_REPLY_INTERVALS * e.intervalMs && s.link.kind !== 'unreachable') {
    if (s.heardAnyone) {
      if (s.link.kind !== 'reference') setLink({ kind: 'reference' });
    } else if (s.link.kind !== 'no_reply') {
      setLink({ kind: 'no_reply', sinceMs: s.unansweredSince ?? now, wasConnected: false });
    }
  }
  return { state: s, actions };
}
