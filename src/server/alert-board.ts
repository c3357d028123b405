/**
 * The alerts active now, as a state machine on one clock: each tick is told which
 * conditions hold; a condition that starts to hold is raised at once, one that stops
 * is cleared only after it has been quiet for `clearAfterMs` (so a rate hovering at its
 * threshold raises once, not once a second). Subjects per kind are bounded: past the
 * cap they fold into one OVERFLOW_SUBJECT alert, which keeps the Prometheus label values
 * (and the events) bounded whatever a flood invents.
 */
import type { ActiveAlert, AlertKind } from '../contract/stats.js';

export const OVERFLOW_SUBJECT = '(others)';

export interface AlertCondition {
  kind: AlertKind;
  subject: string | null;
  message: string;
}

export interface AlertChange {
  type: 'alert_raised' | 'alert_cleared';
  at: number;
  kind: AlertKind;
  subject: string | null;
  message: string;
}

interface Entry {
  kind: AlertKind;
  subject: string | null;
  message: string;
  raisedAt: number;
  lastTrueAt: number;
}

export interface AlertBoardOptions {
  clearAfterMs: number;
  /** Distinct subjects per kind before they fold into OVERFLOW_SUBJECT. */
  maxSubjectsPerKind: number;
}

const keyOf = (kind: AlertKind, subject: string | null): string => kind + '\u0000' + (subject ?? '');

export class AlertBoard {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: AlertBoardOptions) {}

  /** The conditions that hold at `nowMs` (any not listed does not hold); returns what was raised or cleared. */
  update(nowMs: number, holding: readonly AlertCondition[]): AlertChange[] {
    const changes: AlertChange[] = [];
    const perKind = new Map<AlertKind, number>();
    for (const e of this.entries.values()) if (e.subject !== OVERFLOW_SUBJECT) perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
    const seen = new Set<string>();
    for (const c of holding) {
      let subject = c.subject;
      let message = c.message;
      let key = keyOf(c.kind, subject);
      if (!this.entries.has(key) && subject !== null && (perKind.get(c.kind) ?? 0) >= this.opts.maxSubjectsPerKind) {
        subject = OVERFLOW_SUBJECT;
        message = `more ${c.kind} alerts than can be listed one by one (latest: ${c.message})`;
        key = keyOf(c.kind, subject);
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const e = this.entries.get(key);
      if (e !== undefined) {
        e.lastTrueAt = nowMs;
        e.message = message;
        continue;
      }
      this.entries.set(key, { kind: c.kind, subject, message, raisedAt: nowMs, lastTrueAt: nowMs });
      if (subject !== OVERFLOW_SUBJECT && subject !== null) perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
      changes.push({ type: 'alert_raised', at: nowMs, kind: c.kind, subject, message });
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key) || nowMs - e.lastTrueAt < this.opts.clearAfterMs) continue;
      this.entries.delete(key);
      changes.push({ type: 'alert_cleared', at: nowMs, kind: e.kind, subject: e.subject, message: `cleared: ${e.message}` });
    }
    return changes;
  }

  active(nowMs: number): ActiveAlert[] {
    return [...this.entries.values()].map((e) => ({
      kind: e.kind,
      subject: e.subject,
      since_s: Math.max(0, Math.round((nowMs - e.raisedAt) / 1000)),
      message: e.message,
    }));
  }

  get size(): number {
    return this.entries.size;
  }
}
