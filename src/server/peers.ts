/**
 * The interlink's identities: this server's private key (--server-key, a PKCS#8 PEM from
 * `opv keygen --server`) and the peers file (--peers): `ID ed25519 <base64 raw key> [comment]`
 * lines, one per server of the network (this server's own line may be there too: the
 * same file can be copied to every server). Strict like the authorized-keys file: a bad
 * line is a ConfigError naming file:line and nothing of the file is used.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyFromRaw, rawPublicKey } from '../auth/crypto.js';
import { isServerId } from '../protocol/ext.js';
import { ConfigError } from './config.js';
import { keyLines, type NameCheck } from './key-lines.js';

export interface PeerKey {
  id: string;
  key: KeyObject;
  /** The raw public key in base64 (how the file names it). */
  b64: string;
  comment: string;
}

/** Servers of one network: far fewer in practice; bounds a file gone wrong. */
export const MAX_PEERS = 256;

export function parsePeers(text: string, file: string): Map<string, PeerKey> {
  const out = new Map<string, PeerKey>();
  const serverId: NameCheck = (w) => (isServerId(w) ? { ok: true, name: w } : { ok: false, reason: `${JSON.stringify(w)} is not a server id (letters, digits and -, at most 32)` });
  for (const k of keyLines(text, `peers file ${file}`, serverId)) {
    const prev = out.get(k.name);
    if (prev !== undefined && prev.b64 !== k.b64) k.bad(`server ${k.name} is listed twice with different keys (one server has one key)`);
    out.set(k.name, { id: k.name, key: publicKeyFromRaw('ed25519', k.raw), b64: k.b64, comment: k.comment });
    if (out.size > MAX_PEERS) k.bad(`more than ${MAX_PEERS} servers`);
  }
  return out;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError(`${what} ${file}: ${why}`);
  }
}

export function readPeers(file: string): Map<string, PeerKey> {
  return parsePeers(readText(file, 'peers file'), file);
}

export interface ServerKey {
  privateKey: KeyObject;
  /** Raw public key, base64: compared with the peers file's line for this server. */
  b64: string;
}

/** The server's private key (PKCS#8 PEM, Ed25519). */
export function readServerKey(file: string): ServerKey {
  const text = readText(file, 'server key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch {
    throw new ConfigError(`server key ${file}: not a PEM private key (make one with opv keygen --server ID --out FILE)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(`server key ${file}: an ${privateKey.asymmetricKeyType ?? 'unknown'} key; an Ed25519 key is needed (opv keygen --server)`);
  return { privateKey, b64: rawPublicKey(createPublicKey(privateKey)).toString('base64') };
}

/**
 * The peers file must list this server with this key when it lists it at all: a mismatch
 * means the wrong key file or an old peers file, and the other servers would refuse
 * everything this one says.
 */
export function checkOwnLine(peers: Map<string, PeerKey>, serverId: string, key: ServerKey, file: string): void {
  const own = peers.get(serverId);
  if (own !== undefined && own.b64 !== key.b64) throw new ConfigError(`peers file ${file} lists ${serverId} with another key than --server-key (the other servers would refuse this one)`);
}
