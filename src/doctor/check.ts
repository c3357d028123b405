/**
 * One result of `opv doctor`: what was checked, how it went, and — when it did not go
 * well — what to do, in words. A check that is not `required` can warn without making
 * the doctor fail (a reference server cannot be told from a firewall, a key is optional).
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Short name of what was checked ("Node.js", "capture device default"). */
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it, one line (failures and warnings). */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({ name, status: 'warn', detail, ...(fix === undefined ? {} : { fix }) });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

/** `✓ Node.js: 20.19.0` / `✗ key file: … — fix: chmod 600 …` */
export function formatCheck(r: CheckResult): string {
  return `${MARK[r.status]} ${r.name}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ''}`;
}

/** The doctor's exit status: 0 when no required check failed. */
export function exitStatus(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/** "7 checks passed, 1 failed, 2 warnings" */
export function summary(results: readonly CheckResult[]): string {
  const n = (s: CheckStatus): number => results.filter((r) => r.status === s).length;
  const parts = [`${n('pass')} passed`, `${n('fail')} failed`];
  if (n('warn') > 0) parts.push(`${n('warn')} warning${n('warn') === 1 ? '' : 's'}`);
  if (n('skip') > 0) parts.push(`${n('skip')} skipped`);
  return `${n('fail') === 0 ? 'ready' : 'not ready'}: ${parts.join(', ')}`;
}
