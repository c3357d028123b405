import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { publicKeyFromRaw } from '../auth/crypto.js';
import { checkCallsign } from './acl.js';
import { ConfigError } from './config.js';

export interface AuthorizedKey {
  /** The raw key, base64: identifies it (a session ends when its key leaves the file). */
  id: string;
  key: KeyObject;
  comment: string;
}

/**
 * The authorized-keys file: `CALL ed25519 <base64 raw public key> [comment]`, one key a
 * line, `#` comments and blank lines ignored; a callsign may have several keys. Strict: a
 * bad line is a ConfigError naming file:line, and nothing of the file is used.
 */
export function parseAuthorizedKeys(text: string, file: string): Map<string, AuthorizedKey[]> {
  const out = new Map<string, AuthorizedKey[]>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bad = (why: string): never => {
      throw new ConfigError(`${file}:${i + 1}: ${why}`);
    };
    const [call, type, b64, ...rest] = line.split(/\s+/);
    const c = checkCallsign(call ?? '');
    if (!c.ok) bad(c.reason);
    if (type !== 'ed25519') bad(`key type must be ed25519, not ${JSON.stringify(type ?? '')}`);
    if (b64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) bad('the public key is missing or not base64');
    const raw = Buffer.from(b64!, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== b64) bad(`the public key must be 32 bytes in base64 (got ${raw.length})`);
    const callsign = c.ok ? c.callsign : '';
    const list = out.get(callsign) ?? [];
    if (!list.some((k) => k.id === b64)) list.push({ id: b64!, key: publicKeyFromRaw('ed25519', raw), comment: rest.join(' ') });
    out.set(callsign, list);
  }
  return out;
}

export function readAuthorizedKeys(file: string): Map<string, AuthorizedKey[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`authorized-keys file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseAuthorizedKeys(text, file);
}
