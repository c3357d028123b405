/**
 * The server's health warnings, after the reference server's two: a high decode-error
 * rate (junk, a broken station or an attack on the port) and a high timeout rate
 * (stations dropping off without BYE: bad links, NAT mappings expiring, or a `-t`
 * too short for the club's habits).
 *
 * Thresholds (chosen here; the reference prints its warnings without documenting a
 * number):
 * - decode errors: more than 5 % of the datagrams that reached the server were
 *   undecodable, counted only once at least 20 errors have been seen, so one stray
 *   port scan on a quiet server does not raise the alarm;
 * - timeouts: at least 3 stations timed out and they are more than 25 % of the
 *   stations involved (timed out + still active).
 *
 * The dashboard applies them to the last WINDOW of history (what is happening now);
 * `--once` to the totals since the server started.
 */

export const DECODE_ERROR_RATE_LIMIT = 0.05;
export const DECODE_ERROR_MIN_COUNT = 20;
export const TIMEOUT_RATE_LIMIT = 0.25;
export const TIMEOUT_MIN_COUNT = 3;

export interface HealthInput {
  /** Valid frames received in the period. */
  framesReceived: number;
  /** Datagrams dropped as undecodable in the period. */
  decodeErrors: number;
  /** Stations that timed out in the period. */
  timeouts: number;
  /** Stations registered now. */
  activeStations: number;
}

export interface HealthWarning {
  kind: 'decode_errors' | 'timeouts';
  message: string;
}

export interface Health {
  /** Undecodable share of all datagrams, 0 when none arrived. */
  decodeErrorRate: number;
  /** Timed-out share of the stations involved, 0 when none. */
  timeoutRate: number;
  warnings: HealthWarning[];
}

export function assessHealth(h: HealthInput): Health {
  const datagrams = h.framesReceived + h.decodeErrors;
  const decodeErrorRate = datagrams > 0 ? h.decodeErrors / datagrams : 0;
  const involved = h.timeouts + h.activeStations;
  const timeoutRate = involved > 0 ? h.timeouts / involved : 0;
  const warnings: HealthWarning[] = [];
  if (h.decodeErrors >= DECODE_ERROR_MIN_COUNT && decodeErrorRate > DECODE_ERROR_RATE_LIMIT) {
    warnings.push({
      kind: 'decode_errors',
      message: `High decode error rate: ${(decodeErrorRate * 100).toFixed(1)}% of datagrams undecodable`,
    });
  }
  if (h.timeouts >= TIMEOUT_MIN_COUNT && timeoutRate > TIMEOUT_RATE_LIMIT) {
    warnings.push({
      kind: 'timeouts',
      message: `High timeout rate: ${h.timeouts} stations timed out (${(timeoutRate * 100).toFixed(0)}%)`,
    });
  }
  return { decodeErrorRate, timeoutRate, warnings };
}
