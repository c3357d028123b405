import { readFileSync, appendFileSync } from 'node:fs';
import { normaliseCallsign } from '../protocol/index.js';
import { ConfigError } from './config.js';

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
        const line = raw.replace(/#.*/, '').trim();
        if (!line) continue;
        const m = /^(allow|deny)\s+(\S+)$/i.exec(line);
        if (!m) throw new ConfigError(`${this.file}:${n + 1}: expected "allow CALL" or "deny CALL", got "${line}"`);
        (m[1]!.toLowerCase() === 'allow' ? allow : deny).add(normaliseCallsign(m[2]!));
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

  /** A ban from the admin console; persisted to the file when there is one. */
  ban(callsign: string): void {
    this.deny.add(callsign);
    this.cliDeny.push(callsign);
    if (this.file) appendFileSync(this.file, `deny ${callsign}\n`);
  }
}
