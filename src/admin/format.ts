/** Small text formatters shared by the panels and `--once` (pure). */

/** At most 6 characters (two units): 90061 → "1d01h"; 3725 → "1h02m"; 65 → "1m05s"; 7 → "7s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d${two(h)}h`;
  if (h > 0) return `${h}h${two(m)}m`;
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

/** A count in at most 6 characters: 99,999 exact, then 123.4k, 1.23M, 12.3G. */
export function formatCompact(n: number): string {
  const v = Math.round(n);
  if (v < 100_000) return formatCount(v);
  if (v < 1e6) return `${(v / 1e3).toFixed(1)}k`;
  if (v < 1e7) return `${(v / 1e6).toFixed(2)}M`;
  if (v < 1e9) return `${(v / 1e6).toFixed(1)}M`;
  if (v < 1e10) return `${(v / 1e9).toFixed(2)}G`;
  return `${(v / 1e9).toFixed(1)}G`;
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

/** TALKING or idle; an authenticated station (it proved its callsign with a key) gets a ✓. */
export function stateText(r: { talking: boolean; authenticated?: boolean }): string {
  return r.talking ? 'TALKING' : r.authenticated === true ? 'idle ✓' : 'idle';
}

/**
 * Splits `text` into lines of at most `width` characters, at spaces where it can (a
 * word longer than the width is split): what a sysop must read in full is wrapped, not cut.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let line: string[] = [];
  for (const word of text.split(' ')) {
    let chars = [...word];
    const need = line.length === 0 ? chars.length : line.length + 1 + chars.length;
    if (need <= w) {
      line = line.length === 0 ? chars : [...line, ' ', ...chars];
      continue;
    }
    if (line.length > 0) out.push(line.join(''));
    line = [];
    while (chars.length > w) {
      out.push(chars.slice(0, w).join(''));
      chars = chars.slice(w);
    }
    line = chars;
  }
  out.push(line.join(''));
  return out;
}
