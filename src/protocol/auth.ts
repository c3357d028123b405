/**
 * Station authentication (docs/EXTENSIONS.md, "Authentication"): the messages of the
 * challenge–response handshake and the cryptography behind them. Everything here is
 * Node's built-in crypto (Ed25519, X25519, HKDF-SHA256, HMAC-SHA256); nothing is
 * hand-written. Pure: no sockets, no timers, no files.
 *
 * The session key only authenticates (keepalive tags); nothing is encrypted, as amateur
 * rules require.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

/** The word that asks for (in OPV-AUTH:RESPONSE) and confirms (in OPV:AUTH_OK) per-frame tags. */
export const FRAME_TAGS_WORD = 'tags';

/** Station → server: every authentication message starts with this. */
export const AUTH_PREFIX = 'OPV-AUTH:';
/** Domain separation of the signed transcript (a signature for anything else never verifies here). */
export const AUTH_DOMAIN = 'opv-auth-v1';
/** A challenge is answered within this long or it is stale. */
export const CHALLENGE_TTL_MS = 10_000;
/** Bytes of the truncated keepalive tag. */
const TAG_BYTES = 16;

export type AuthFailReason =
  | 'unknown_callsign'
  | 'bad_signature'
  | 'expired'
  | 'no_challenge'
  | 'wrong_callsign'
  | 'malformed'
  | 'rate_limited'
  | 'busy'
  | 'disabled';
export const AUTH_FAIL_REASONS: readonly AuthFailReason[] = [
  'unknown_callsign',
  'bad_signature',
  'expired',
  'no_challenge',
  'wrong_callsign',
  'malformed',
  'rate_limited',
  'busy',
  'disabled',
];

/** What a failure means, for the operator. */
export const AUTH_FAIL_TEXT: Record<AuthFailReason, string> = {
  unknown_callsign: "this callsign has no key in the server's authorized-keys file",
  bad_signature: 'the signature does not verify (wrong key, or an answer to another challenge or server)',
  expired: 'the challenge expired before the answer arrived',
  no_challenge: 'no challenge is pending for this address (already used, or never sent)',
  wrong_callsign: 'the request names another callsign than the frames carry',
  malformed: 'the message is malformed',
  rate_limited: 'too many failures from this address; wait a minute',
  busy: 'the server is handing out too many challenges; try again shortly',
  disabled: 'authentication is off on this server',
};

export interface Challenge {
  nonce: Buffer;
  serverId: Buffer;
  /** Unix seconds at the server. */
  time: number;
  /** The server's ephemeral X25519 public key, raw 32 bytes. */
  serverPub: Buffer;
}

export type StationAuthMessage = { type: 'request'; callsign: string } | { type: 'response'; stationPub: Buffer; signature: Buffer; tags: boolean };

export type ServerAuthMessage =
  | ({ type: 'challenge' } & Challenge)
  | { type: 'ok'; sessionId: string; tags: boolean }
  | { type: 'fail'; reason: AuthFailReason };

const b64 = (b: Buffer): string => b.toString('base64url');
const B64URL = /^[A-Za-z0-9_-]+$/;
function unb64(s: string | undefined, bytes: number): Buffer | null {
  if (s === undefined || !B64URL.test(s)) return null;
  const b = Buffer.from(s, 'base64url');
  return b.length === bytes && b64(b) === s ? b : null;
}

export function formatStationAuth(m: StationAuthMessage): string {
  return m.type === 'request' ? `${AUTH_PREFIX}REQUEST ${m.callsign}` : `${AUTH_PREFIX}RESPONSE ${b64(m.stationPub)} ${b64(m.signature)}${m.tags ? ` ${FRAME_TAGS_WORD}` : ''}`;
}

export function parseStationAuth(text: string): StationAuthMessage | null {
  if (!text.startsWith(AUTH_PREFIX)) return null;
  const f = text.slice(AUTH_PREFIX.length).split(' ');
  if (f[0] === 'REQUEST' && f.length === 2 && /^[A-Z0-9\-/.]{1,9}$/.test(f[1]!)) return { type: 'request', callsign: f[1]! };
  if (f[0] === 'RESPONSE' && (f.length === 3 || (f.length === 4 && f[3] === FRAME_TAGS_WORD))) {
    const stationPub = unb64(f[1], 32);
    const signature = unb64(f[2], 64);
    return stationPub && signature ? { type: 'response', stationPub, signature, tags: f.length === 4 } : null;
  }
  return null;
}

/** Server → station texts (they start with the extension's `OPV:` so stations route them there). */
export function formatServerAuth(m: ServerAuthMessage): string {
  switch (m.type) {
    case 'challenge':
      return `OPV:AUTH_CHALLENGE ${b64(m.nonce)} ${b64(m.serverId)} ${m.time} ${b64(m.serverPub)}`;
    case 'ok':
      return `OPV:AUTH_OK ${m.sessionId}${m.tags ? ` ${FRAME_TAGS_WORD}` : ''}`;
    case 'fail':
      return `OPV:AUTH_FAIL ${m.reason}`;
  }
}

export function parseServerAuth(text: string): ServerAuthMessage | null {
  const f = text.split(' ');
  switch (f[0]) {
    case 'OPV:AUTH_CHALLENGE': {
      const nonce = unb64(f[1], 16);
      const serverId = unb64(f[2], 16);
      const time = f[3] !== undefined && /^\d{1,12}$/.test(f[3]) ? Number(f[3]) : null;
      const serverPub = unb64(f[4], 32);
      return nonce && serverId && time !== null && serverPub && f.length === 5 ? { type: 'challenge', nonce, serverId, time, serverPub } : null;
    }
    case 'OPV:AUTH_OK':
      return (f.length === 2 || (f.length === 3 && f[2] === FRAME_TAGS_WORD)) && /^[A-Za-z0-9_-]{1,32}$/.test(f[1]!) ? { type: 'ok', sessionId: f[1]!, tags: f.length === 3 } : null;
    case 'OPV:AUTH_FAIL': {
      const reason = AUTH_FAIL_REASONS.find((r) => r === f[1]);
      return reason && f.length === 2 ? { type: 'fail', reason } : null;
    }
    default:
      return null;
  }
}

/**
 * The bytes the station signs: every field length-prefixed, so no two transcripts share an
 * encoding. A request for frame tags is signed too (one more field), so nobody on the path
 * can strip it and downgrade the session to untagged frames.
 */
export function transcript(callsign: string, c: Challenge, stationPub: Buffer, tags = false): Buffer {
  const parts = [Buffer.from(AUTH_DOMAIN), Buffer.from(callsign), c.serverId, c.nonce, Buffer.from(String(c.time)), c.serverPub, stationPub];
  if (tags) parts.push(Buffer.from(FRAME_TAGS_WORD));
  const out: Buffer[] = [];
  for (const p of parts) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(p.length);
    out.push(len, p);
  }
  return Buffer.concat(out);
}

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

/** `KEEPALIVE:<time> <tag>` → its parts; null for an untagged or malformed keepalive. */
export function parseTaggedKeepalive(text: string): { timeText: string; time: number; tag: string } | null {
  const m = /^KEEPALIVE:(\d{1,12}(?:\.\d{1,6})?) ([A-Za-z0-9_-]{22})$/.exec(text);
  return m ? { timeText: m[1]!, time: Number(m[1]), tag: m[2]! } : null;
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
