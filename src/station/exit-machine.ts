/**
 * The station's way out (quit, SIGINT, SIGTERM, SIGHUP) as a pure state machine:
 * `exitStep(state, event, nowMs)` returns the next state and what to do. The first request
 * closes the station once (BYE, audio, GPIO, control socket); its end prints the sign-off.
 * A close that hangs (a stuck socket or device) is cut after EXIT_TIMEOUT_MS, and a second
 * signal while leaving is the operator insisting: both exit at once.
 */
export type ExitReason = 'quit' | 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export type ExitState =
  | { kind: 'running' }
  | { kind: 'leaving'; reason: ExitReason; since: number; deadline: number }
  | { kind: 'done'; code: number };

export type ExitEvent =
  | { type: 'request'; reason: ExitReason }
  /** The close finished (BYE out, devices closed). */
  | { type: 'closed' }
  | { type: 'tick' };

export type ExitAction =
  /** Send BYE and close everything (once). */
  | { type: 'close' }
  /** The last words: `👋 CALL signing off: BYE sent, 73`. */
  | { type: 'signOff' }
  /** Leave without waiting any longer; why says so in one line. */
  | { type: 'force'; why: 'second_signal' | 'timeout' }
  | { type: 'exit'; code: number };

/** How long the close may take before the station leaves anyway. */
export const EXIT_TIMEOUT_MS = 5_000;
/** A clean sign-off exits 0; one cut short (stuck, or forced by a second signal) exits 1. */
export const EXIT_FORCED_CODE = 1;

type Step = { state: ExitState; actions: ExitAction[] };

export function exitStep(s: ExitState, e: ExitEvent, now: number): Step {
  switch (s.kind) {
    case 'done':
      return { state: s, actions: [] };
    case 'running':
      if (e.type !== 'request') return { state: s, actions: [] };
      return { state: { kind: 'leaving', reason: e.reason, since: now, deadline: now + EXIT_TIMEOUT_MS }, actions: [{ type: 'close' }] };
    case 'leaving':
      switch (e.type) {
        case 'closed':
          return { state: { kind: 'done', code: 0 }, actions: [{ type: 'signOff' }, { type: 'exit', code: 0 }] };
        case 'request':
          // A second "quit" typed is not insisting; a second signal is.
          if (e.reason === 'quit') return { state: s, actions: [] };
          return forced('second_signal');
        case 'tick':
          return now >= s.deadline ? forced('timeout') : { state: s, actions: [] };
      }
  }
}

function forced(why: 'second_signal' | 'timeout'): Step {
  return { state: { kind: 'done', code: EXIT_FORCED_CODE }, actions: [{ type: 'force', why }, { type: 'exit', code: EXIT_FORCED_CODE }] };
}
