import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { publicKeyFromRaw } from '../auth/crypto.js';
import { checkCallsign } from './acl.js';
import { ConfigError } from './config.js';
import { keyLines, type NameCheck } from './key-lines.js';

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
  const callsign: NameCheck = (w) => {
    const c = checkCallsign(w);
    return c.ok ? { ok: true, name: c.callsign } : c;
  };
  for (const k of keyLines(text, file, callsign)) {
    const list = out.get(k.name) ?? [];
    if (!list.some((x) => x.id === k.b64)) list.push({ id: k.b64, key: publicKeyFromRaw('ed25519', k.raw), comment: k.comment });
    out.set(k.name, list);
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
