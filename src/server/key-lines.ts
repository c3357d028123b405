import { ConfigError } from './config.js';

/** One `NAME ed25519 <base64 raw public key> [comment]` line, checked. */
export interface KeyLine {
  name: string;
  /** The raw public key in base64, as the file writes it. */
  b64: string;
  raw: Buffer;
  comment: string;
  /** A ConfigError naming this line (for checks that need the lines before it). */
  bad(why: string): never;
}

export type NameCheck = (word: string) => { ok: true; name: string } | { ok: false; reason: string };

/**
 * The line format the authorized-keys file (callsigns) and the peers file (server ids)
 * share: `#` comments and blank lines skipped, a bad line a ConfigError naming
 * `where:line`, so a caller that stops at the first throw uses nothing of the file.
 */
export function* keyLines(text: string, where: string, checkName: NameCheck): Generator<KeyLine> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bad = (why: string): never => {
      throw new ConfigError(`${where}:${i + 1}: ${why}`);
    };
    const [word, type, b64, ...rest] = line.split(/\s+/);
    const n = checkName(word ?? '');
    if (!n.ok) bad(n.reason);
    if (type !== 'ed25519') bad(`key type must be ed25519, not ${JSON.stringify(type ?? '')}`);
    if (b64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) bad('the public key is missing or not base64');
    const raw = Buffer.from(b64!, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== b64) bad(`the public key must be 32 bytes in base64 (got ${raw.length})`);
    yield { name: n.ok ? n.name : '', b64: b64!, raw, comment: rest.join(' '), bad };
  }
}
