import type { HistoryEntry, LinkState } from '../types.js';

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A 0..1 level as a bar of `width` cells. */
export function meter(level: number, width: number): string {
  const n = Math.max(0, Math.min(width, Math.round(Math.sqrt(level) * width * 1.5)));
  return '█'.repeat(n) + '░'.repeat(width - n);
}

export function linkText(l: LinkState): string {
  switch (l.kind) {
    case 'connecting':
      return '{yellow-fg}connecting…{/}';
    case 'connected':
      return `{green-fg}connected{/} ${l.rttMs} ms`;
    case 'reference':
      return '{green-fg}reference server{/} (no keepalive echo)';
    case 'no_reply':
      return l.wasConnected ? `{red-fg}no reply for ${Math.round((Date.now() - l.sinceMs) / 1000)} s{/}` : '{yellow-fg}no reply{/}';
    case 'unreachable':
      return `{red-fg}unreachable{/} ${escape(l.error)}`;
  }
}

/** Blessed tags in user text must not be interpreted. */
export function escape(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

export function entryLine(e: HistoryEntry): string {
  const dir = e.direction === 'in' ? '{cyan-fg}◀{/}' : '{magenta-fg}▶{/}';
  const who = e.direction === 'in' ? `{cyan-fg}${e.callsign}{/}` : `{magenta-fg}${e.callsign}{/}`;
  if (e.type === 'chat') return `${clock(e.at)} ${dir} ${who}: ${escape(e.text)}`;
  const lost = e.framesLost ? ` {yellow-fg}${e.framesLost} lost{/}` : '';
  return `${clock(e.at)} ${dir} ${who} ♪ ${(e.durationMs / 1000).toFixed(1)} s${lost}${e.open ? ' {red-fg}on air{/}' : ''}  #${e.id}`;
}
