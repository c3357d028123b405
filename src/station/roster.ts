import type { StationView } from './commands/types.js';
import type { RosterMember } from './server-ext.js';
import type { HeardStation, HistoryEntry } from './types.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { inert } from '../util/inert-text.js';
import { linkIsDown } from './link-view.js';
import { AirtimeTally } from './airtime.js';

/** One line of the Stations panel and of /who. */
export interface StationRow {
  callsign: string;
  /** On the server's roster (true), gone (false), or unknown (null): the server does not speak the extension, or the link is down. */
  online: boolean | null;
  talking: boolean;
  /** The server says it proved its callsign with a key. */
  authenticated: boolean;
  /** On another interlinked server (its server-id); null: on this one, or not known. */
  server: string | null;
  /** ms epoch when the server admitted it; null when unknown. */
  since: number | null;
  /** ms epoch of the last thing this station heard from it; null: never heard by me. */
  lastHeard: number | null;
  /** Received transmissions this session, and their total length. */
  transmissions: number;
  onAirMs: number;
  /** This station's own row (counts include the operator, as the server's do). */
  self?: boolean;
}

interface HeardStats {
  lastHeard: number;
  airtime: AirtimeTally;
}

const MAX_TRACKED = 10_000;

/**
 * Everyone on the server (from the extension's roster) joined with what this station
 * has heard from each (transmissions, time on air, last heard). Without the extension
 * it is the heard list alone.
 */
export class StationsModel extends TypedEmitter<{ change: StationRow[] }> {
  private readonly heard = new Map<string, HeardStats>();
  private roster: RosterMember[] = [];

  constructor(private readonly engine: StationView) {
    super();
    // The server's first roster may have come while the interface was still opening.
    this.roster = engine.ext.roster();
    engine.on('heard', (list) => this.onHeard(list));
    engine.on('history', (h) => this.onHistory(h));
    // While the link is down the roster is history, not news: rows turn unknown, and back.
    engine.on('linkView', () => this.changed());
    engine.ext.on('roster', (r) => {
      this.roster = r;
      this.changed();
    });
    // The roster is per room: what was heard in the last room is not about this one.
    engine.ext.on('room', (r) => {
      if (r.previous === null || r.previous === r.room) return;
      this.heard.clear();
      this.changed();
    });
  }

  private stats(callsign: string): HeardStats | null {
    let s = this.heard.get(callsign);
    if (!s) {
      if (this.heard.size >= MAX_TRACKED) return null;
      s = { lastHeard: 0, airtime: new AirtimeTally() };
      this.heard.set(callsign, s);
    }
    return s;
  }

  private onHeard(list: HeardStation[]): void {
    for (const h of list) {
      const s = this.stats(h.callsign);
      if (s) s.lastHeard = Math.max(s.lastHeard, h.lastHeard);
    }
    this.changed();
  }

  private onHistory(h: HistoryEntry): void {
    if (h.type !== 'transmission' || h.direction !== 'in') return;
    const s = this.stats(h.callsign);
    if (!s) return;
    s.airtime.add(h);
    s.lastHeard = Math.max(s.lastHeard, h.at + h.durationMs);
    this.changed();
  }

  private changed(): void {
    this.emit('change', this.rows());
  }

  rows(): StationRow[] {
    const ext = this.engine.ext.active;
    const down = linkIsDown(this.engine.linkView());
    const out = new Map<string, StationRow>();
    const live = new Map(this.engine.heardStations().map((h) => [h.callsign, h] as const));
    const row = (callsign: string): StationRow => {
      const s = this.heard.get(callsign);
      const l = live.get(callsign);
      const last = Math.max(s?.lastHeard ?? 0, l?.lastHeard ?? 0);
      return {
        callsign,
        online: ext ? false : null,
        talking: l?.talking ?? false,
        authenticated: false,
        server: null,
        since: null,
        lastHeard: last > 0 ? last : null,
        transmissions: s?.airtime.transmissions ?? 0,
        onAirMs: s?.airtime.onAirMs ?? 0,
      };
    };
    for (const m of this.roster) {
      if (m.callsign === this.engine.callsign) {
        out.set(m.callsign, { ...row(m.callsign), online: true, self: true, since: m.since, authenticated: m.authenticated, talking: this.engine.pttActive, lastHeard: null });
        continue;
      }
      const r = row(m.callsign);
      r.online = down ? null : true;
      r.since = m.since;
      r.authenticated = m.authenticated;
      r.server = m.server ?? null;
      r.talking = r.talking || m.talking;
      out.set(m.callsign, r);
    }
    for (const c of new Set([...this.heard.keys(), ...live.keys()])) if (!out.has(c)) out.set(c, row(c));
    // Yourself first, then who is on the server, then by callsign.
    return [...out.values()].sort((a, b) => Number(b.self === true) - Number(a.self === true) || rank(b) - rank(a) || a.callsign.localeCompare(b.callsign));
  }
}

/** On the server, then last known (link down), then gone or only heard. */
const rank = (r: StationRow): number => (r.online === true ? 2 : r.online === null && r.since !== null ? 1 : 0);

/** "3 tx, 1m 12s on air" */
export function formatAirtime(r: StationRow): string {
  const s = Math.round(r.onAirMs / 1000);
  const t = s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
  return `${r.transmissions} tx, ${t} on air`;
}

export function formatAgo(at: number | null, nowMs: number): string {
  if (at === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - at) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}

/** "W1ABC", or "W1ABC@hub-b" for a station on another interlinked server (shown inert: it came from the wire). */
export function stationName(r: { callsign: string; server: string | null }): string {
  return r.server === null ? inert(r.callsign) : `${inert(r.callsign)}@${inert(r.server)}`;
}

/** The /who listing, one line per station, plus a head line. */
export function formatWho(rows: StationRow[], ext: boolean, nowMs: number = Date.now(), room: string | null = null, down: string | null = null): string[] {
  // Link down: the last roster is shown for what it is, the last known, with nobody's presence vouched for.
  const lastKnown = ext && down !== null ? rows.filter((r) => r.online === null && r.since !== null) : [];
  const on = rows.filter((r) => r.online === true);
  // Counted as the server counts (the room list, "moved to NET (3 stations)"): you included.
  const head =
    ext && down !== null
      ? `👥 ${down}: who is on now is unknown; last known (${lastKnown.length} other station${lastKnown.length === 1 ? '' : 's'}), each ❔ unknown:`
      : ext
        ? `👥 ${on.length} station${on.length === 1 ? '' : 's'} ${room === null ? 'on the server' : `in room ${inert(room)}`}${on.some((r) => r.self === true) ? ', you included' : ''}`
        : '👥 the server does not report who is on (not an opv server, or not answered yet); stations heard:';
  const lines = [head];
  for (const r of ext ? (down !== null ? lastKnown : on) : rows) {
    if (r.self === true) {
      lines.push(`   ${stationName(r).padEnd(9)} you${r.authenticated ? ', 🔐 verified' : ''}`);
      continue;
    }
    const parts = [
      ext && down !== null ? '❔ unknown' : null,
      r.talking ? '🎤 talking' : null,
      r.authenticated ? '🔐 verified' : null,
      r.since === null ? null : `connected ${formatAgo(r.since, nowMs).replace(' ago', '')}`,
      `heard by me ${formatAgo(r.lastHeard, nowMs)}`,
      formatAirtime(r),
    ].filter((x) => x !== null);
    lines.push(`   ${stationName(r).padEnd(9)} ${parts.join(', ')}`);
  }
  if (ext) {
    const gone = rows.filter((r) => r.online === false);
    if (gone.length) lines.push(`   (heard earlier, now gone: ${gone.map((r) => r.callsign).join(', ')})`);
  }
  return lines;
}
