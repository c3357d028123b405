import { readFileSync } from 'node:fs';
import { normaliseCallsign, tryEncodeCallsign } from '../protocol/index.js';
import { ConfigError } from './config.js';

export type CallsignCheck = { ok: true; callsign: string } | { ok: false; reason: string };

/**
 * A callsign as the protocol can carry it (base-40, fits in 48 bits, after the
 * protocol's trim and upper-casing), and one that names something: at least one
 * letter or digit, so "-", "/" or "." alone are refused.
 */
export function checkCallsign(input: string): CallsignCheck {
  const r = tryEncodeCallsign(input);
  if (!r.ok) return { ok: false, reason: r.error.message };
  const callsign = normaliseCallsign(input);
  if (!/[A-Z0-9]/.test(callsign)) return { ok: false, reason: `callsign "${callsign}" has no letter or digit` };
  return { ok: true, callsign };
}

export type AclEntry = { action: 'allow' | 'deny'; callsign: string };
export type AclLineResult = { ok: true; entry: AclEntry | null } | { ok: false; reason: string };

/** One line of the file: an entry, nothing (blank or comment), or why it is wrong. */
export function parseAclLine(raw: string): AclLineResult {
  const line = raw.replace(/#.*/, '').trim();
  if (!line) return { ok: true, entry: null };
  const m = /^(allow|deny)\s+(\S+)$/i.exec(line);
  if (!m) return { ok: false, reason: `expected "allow CALL" or "deny CALL", got "${line}"` };
  const c = checkCallsign(m[2]!);
  if (!c.ok) return { ok: false, reason: c.reason };
  return { ok: true, entry: { action: m[1]!.toLowerCase() === 'allow' ? 'allow' : 'deny', callsign: c.callsign } };
}

/**
 * Allow and deny lists of callsigns. An empty allow list admits everyone not denied.
 * The file holds one entry a line, `allow CALL` or `deny CALL` (`#` starts a comment),
 * and is read again on SIGHUP; CLI entries are kept across reloads.
 */
export class AccessList {
  private allow = new Set<string>();
  private deny = new Set<string>();

  constructor(
    private readonly cliAllow: string[],
    private readonly cliDeny: string[],
    private readonly file: string | null,
  ) {
    this.reload();
  }

  reload(): { allow: number; deny: number } {
    const allow = new Set(this.cliAllow.map(normaliseCallsign));
    const deny = new Set(this.cliDeny.map(normaliseCallsign));
    if (this.file) {
      for (const [n, raw] of readFileSync(this.file, 'utf8').split('\n').entries()) {
        const r = parseAclLine(raw);
        if (!r.ok) throw new ConfigError(`${this.file}:${n + 1}: ${r.reason}`);
        if (r.entry) (r.entry.action === 'allow' ? allow : deny).add(r.entry.callsign);
      }
    }
    this.allow = allow;
    this.deny = deny;
    return { allow: allow.size, deny: deny.size };
  }

  permits(callsign: string): boolean {
    if (this.deny.has(callsign)) return false;
    return this.allow.size === 0 || this.allow.has(callsign);
  }
}
