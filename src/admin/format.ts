/** Small text formatters shared by the panels and `--once` (pure). */

/** 3725 → "1h02m05s"; 65 → "1m05s"; 7 → "7s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d${two(h)}h${two(m)}m`;
  if (h > 0) return `${h}h${two(m)}m${two(sec)}s`;
  if (m > 0) return `${m}m${two(sec)}s`;
  return `${sec}s`;
}

/** kbit/s with one decimal. */
export function formatKbps(kbps: number): string {
  return kbps.toFixed(1);
}

/** 1234567 → "1,234,567" (locale-independent so tests and logs are stable). */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Percentage with one decimal, "-" when there is nothing to divide by. */
export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** Wall-clock HH:MM:SS of a millisecond timestamp, in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Pads or cuts `s` to exactly `width` characters. */
export function fit(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(0, width - 1)) + '…' : s.padEnd(width);
}

/** Right-aligns `s` in `width` characters (cut on the left when too long). */
export function fitRight(s: string, width: number): string {
  return s.length > width ? s.slice(s.length - width) : s.padStart(width);
}
