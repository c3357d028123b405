import type { RefusalReason } from '../protocol/ext.js';
import type { Hold } from './holds.js';

/**
 * What the admission rule needs to know about one candidate, gathered by the caller
 * from the holds, the access list, the authority, the registry and the network: the
 * rule itself reads nothing and changes nothing, so every branch is testable as data.
 */
export interface AdmissionFacts {
  nowMs: number;
  /** The sysop's hold on the callsign (ban or kick hold-down), if any. */
  hold: Hold | null;
  /** The access list lets the callsign in. */
  permitted: boolean;
  /** Authentication lets the callsign in from this endpoint (unprotected, or a session bound here). */
  mayUse: boolean;
  /** An authenticated session is bound to this very endpoint: proof enough to take the callsign over at once. */
  provenHere: boolean;
  /** The callsign is already registered on this server (from another endpoint). */
  existing: { lastSeenMs: number; endpointKey: string } | null;
  /** The server id of another server of the network on which the callsign is active. */
  remoteServer: string | null;
  /** Stations registered on this server now. */
  stations: number;
  maxStations: number;
  hijackHoldDownS: number;
}

/** Which rule refused: the operator log and the counters differ per rule. */
export type RefusalRule = 'hold' | 'acl' | 'auth' | 'hijack' | 'remote' | 'full';

export type AdmissionDecision =
  /** A new station. */
  | { admit: true; as: 'new' }
  /** The registered station moves to this endpoint (NAT rebinding, a restart, a room's port). */
  | { admit: true; as: 'moved'; fromKey: string }
  /**
   * Refused. `retryAtMs` is when trying again can succeed (null: not by waiting);
   * `holder` names who holds the callsign for the hijack rules (an endpoint, or "server X").
   */
  | AdmissionRefusal;

export type AdmissionRefusal =
  | { admit: false; rule: 'hold'; reason: Hold['reason']; retryAtMs: number | null }
  | { admit: false; rule: 'acl' | 'auth' | 'full'; reason: Extract<RefusalReason, 'not_allowed' | 'auth_required' | 'full'>; retryAtMs: null }
  | { admit: false; rule: 'hijack' | 'remote'; reason: 'in_use'; retryAtMs: number; holder: string };

/**
 * The admission chain, in order: hold → access list → authentication → hijack (the
 * callsign active here from another endpoint) → remote (active on another server) →
 * full. The first rule that refuses decides; the order is the operator's contract
 * (a banned station is told "banned", never "full").
 */
export function decideAdmission(f: AdmissionFacts): AdmissionDecision {
  if (f.hold !== null) return { admit: false, rule: 'hold', reason: f.hold.reason, retryAtMs: f.hold.until };
  if (!f.permitted) return { admit: false, rule: 'acl', reason: 'not_allowed', retryAtMs: null };
  if (!f.mayUse) return { admit: false, rule: 'auth', reason: 'auth_required', retryAtMs: null };
  const holdDownMs = f.hijackHoldDownS * 1000;
  if (f.existing !== null) {
    // A station that has gone quiet for the hold-down may be taken over (it restarted
    // behind a new NAT mapping); one still sending may not, unless proven by its session.
    if (!f.provenHere && f.nowMs - f.existing.lastSeenMs < holdDownMs) {
      return { admit: false, rule: 'hijack', reason: 'in_use', retryAtMs: f.existing.lastSeenMs + holdDownMs, holder: f.existing.endpointKey };
    }
    return { admit: true, as: 'moved', fromKey: f.existing.endpointKey };
  }
  if (f.remoteServer !== null) {
    return { admit: false, rule: 'remote', reason: 'in_use', retryAtMs: f.nowMs + holdDownMs, holder: `server ${f.remoteServer}` };
  }
  if (f.stations >= f.maxStations) return { admit: false, rule: 'full', reason: 'full', retryAtMs: null };
  return { admit: true, as: 'new' };
}
