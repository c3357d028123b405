import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serviceStateDir } from '../util/xdg.js';
import { tryEncodeCallsign } from '../protocol/index.js';
import { ConfigError } from './config.js';
import { z } from 'zod';
import { banEntrySchema, type BanEntry } from '../contract/ext.js';
import { describeIssues } from '../util/zod-issue.js';

/** bans.json: {"version": 1, "bans": [{"callsign", "since"}]}; the entries are the contract's. */
const bansFileSchema = z.looseObject({
  bans: z.array(
    banEntrySchema.refine((b) => tryEncodeCallsign(b.callsign).ok, { error: 'is not a callsign' }),
    { error: 'must be a list' },
  ),
});

export type Hold = { reason: 'banned'; until: null } | { reason: 'kicked'; until: number };

const BANS_FILE = 'bans.json';
/** Kick hold-downs remembered at most; a flood of kicks cannot grow memory. */
const MAX_KICKS = 10_000;

/**
 * The server's state directory: --state-dir, else systemd's $STATE_DIRECTORY (the first
 * of a colon-separated list), else $XDG_STATE_HOME/opv or ~/.local/state/opv.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return serviceStateDir(env);
}

/**
 * Who is kept out by the sysop: bans (persisted in the state directory, so a restart
 * keeps them without any flag) and kick hold-downs (in memory; a minute by default).
 */
export class Holds {
  private readonly bans = new Map<string, BanEntry>();
  private readonly kicks = new Map<string, number>();
  private readonly file: string;

  constructor(readonly stateDir: string) {
    this.file = path.join(stateDir, BANS_FILE);
    this.load();
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new ConfigError(`cannot read the ban list ${this.file}: ${(e as Error).message}`);
    }
    // A damaged file is an error, not an empty list: starting would forget (and then overwrite) every ban.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${this.file} is not valid JSON (${(e as Error).message}); fix or remove it`);
    }
    const r = bansFileSchema.safeParse(parsed);
    if (!r.success) throw new ConfigError(`${this.file}: bad ban list: ${describeIssues(r.error.issues)}; expected {"bans": [{"callsign": "W1ABC", "since": 0}]}`);
    for (const b of r.data.bans) this.bans.set(b.callsign, { callsign: b.callsign, since: b.since });
  }

  private save(): void {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, bans: this.list() }, null, 2) + '\n', { mode: 0o600 });
    // Rename is atomic: a crash leaves the old list or the new one, never half of one.
    renameSync(tmp, this.file);
  }

  /** Persists first, so a ban the sysop was told about is on disk. Throws if it cannot be written. */
  ban(callsign: string, nowMs: number): boolean {
    if (this.bans.has(callsign)) return false;
    this.bans.set(callsign, { callsign, since: nowMs });
    try {
      this.save();
    } catch (e) {
      this.bans.delete(callsign);
      throw e;
    }
    return true;
  }

  unban(callsign: string): boolean {
    const had = this.bans.get(callsign);
    if (!had) return false;
    this.bans.delete(callsign);
    try {
      this.save();
    } catch (e) {
      this.bans.set(callsign, had);
      throw e;
    }
    this.kicks.delete(callsign);
    return true;
  }

  kick(callsign: string, untilMs: number): void {
    if (this.kicks.size >= MAX_KICKS) this.expire(Date.now());
    if (this.kicks.size >= MAX_KICKS) return;
    this.kicks.set(callsign, untilMs);
  }

  check(callsign: string, nowMs: number): Hold | null {
    if (this.bans.has(callsign)) return { reason: 'banned', until: null };
    const k = this.kicks.get(callsign);
    if (k === undefined) return null;
    if (k > nowMs) return { reason: 'kicked', until: k };
    this.kicks.delete(callsign);
    return null;
  }

  private expire(nowMs: number): void {
    for (const [c, until] of this.kicks) if (until <= nowMs) this.kicks.delete(c);
  }

  isBanned(callsign: string): boolean {
    return this.bans.has(callsign);
  }

  list(): BanEntry[] {
    return [...this.bans.values()].sort((a, b) => a.callsign.localeCompare(b.callsign));
  }
}
