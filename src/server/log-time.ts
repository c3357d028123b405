/** ISO 8601 in local time with its UTC offset, e.g. 2026-11-25T17:02:03.123+01:00. */
export function localIsoTime(d: Date): string {
  const p = (n: number, w = 2): string => String(Math.trunc(Math.abs(n))).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}` +
    `${sign}${p(off / 60)}:${p(off % 60)}`
  );
}

/**
 * Human log lines carry a timestamp, except under journald (systemd sets JOURNAL_STREAM
 * for a unit's stdout), which stamps every line itself.
 */
export function wantsTimestamps(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.JOURNAL_STREAM;
}
