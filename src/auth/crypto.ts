/**
 * The cryptography of station authentication (docs/EXTENSIONS.md, "Authentication"):
 * Node's built-in crypto (Ed25519, X25519, HKDF-SHA256, HMAC-SHA256); nothing is
 * hand-written. The messages and the signed transcript are the protocol's
 * (src/protocol/auth.ts); this floor sits above it, so the protocol stays pure.
 *
 * The session key only authenticates (keepalive and frame tags); nothing is encrypted, as
 * amateur rules require.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { AUTH_DOMAIN } from '../protocol/auth.js';

/** Bytes of the truncated keepalive tag. */
const TAG_BYTES = 16;

/** Raw 32-byte public key of an X25519 or Ed25519 key (from its SPKI DER: the last 32 bytes). */
export function rawPublicKey(k: KeyObject): Buffer {
  const der = (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

const SPKI_PREFIX = { ed25519: Buffer.from('302a300506032b6570032100', 'hex'), x25519: Buffer.from('302a300506032b656e032100', 'hex') };

export function publicKeyFromRaw(kind: 'ed25519' | 'x25519', raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX[kind], raw]), format: 'der', type: 'spki' });
}

export function ephemeralX25519(): { privateKey: KeyObject; pub: Buffer } {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, pub: rawPublicKey(privateKey) };
}

/** Session key = HKDF-SHA256(X25519 shared secret, salt = SHA-256(transcript), info = domain). */
export function sessionKey(ownPrivate: KeyObject, peerPubRaw: Buffer, transcriptBytes: Buffer): Buffer {
  const shared = diffieHellman({ privateKey: ownPrivate, publicKey: publicKeyFromRaw('x25519', peerPubRaw) });
  const salt = createHash('sha256').update(transcriptBytes).digest();
  return Buffer.from(hkdfSync('sha256', shared, salt, `${AUTH_DOMAIN} session`, 32));
}

export function signTranscript(key: KeyObject, t: Buffer): Buffer {
  return sign(null, t, key);
}

export function verifyTranscript(pub: KeyObject, t: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, t, pub, signature);
  } catch {
    return false;
  }
}

/** The tag a keepalive carries after authentication: proves the session from any address. */
export function keepaliveTag(key: Buffer, callsign: string, timeText: string): string {
  return createHmac('sha256', key).update(`${AUTH_DOMAIN} keepalive\0${callsign}\0${timeText}`).digest().subarray(0, TAG_BYTES).toString('base64url');
}

export function checkKeepaliveTag(key: Buffer, callsign: string, timeText: string, tag: string): boolean {
  const want = Buffer.from(keepaliveTag(key, callsign, timeText));
  const got = Buffer.from(tag);
  return want.length === got.length && timingSafeEqual(want, got);
}


/** A station's private key from PEM text (must be Ed25519). */
export function loadPrivateKey(pem: string): KeyObject {
  const k = createPrivateKey(pem);
  if (k.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${k.asymmetricKeyType ?? 'unknown type'})`);
  return k;
}

/** One line for the server's authorized-keys file. */
export function authorizedKeyLine(callsign: string, key: KeyObject, comment: string): string {
  return `${callsign} ed25519 ${rawPublicKey(key).toString('base64')}${comment ? ` ${comment}` : ''}`;
}
