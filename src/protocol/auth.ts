/**
 * Station authentication (docs/EXTENSIONS.md, "Authentication"): the messages of the
 * challenge–response handshake and the bytes a station signs. Pure: no sockets, no timers,
 * no files, no crypto; the cryptography behind it is in src/auth/crypto.ts, a floor above.
 */

/** The word that asks for (in OPV-AUTH:RESPONSE) and confirms (in OPV:AUTH_OK) per-frame tags. */
export const FRAME_TAGS_WORD = 'tags';

/** Station → server: every authentication message starts with this. */
export const AUTH_PREFIX = 'OPV-AUTH:';
/** Domain separation of the signed transcript (a signature for anything else never verifies here). */
export const AUTH_DOMAIN = 'opv-auth-v1';
/** A challenge is answered within this long or it is stale. */
export const CHALLENGE_TTL_MS = 10_000;

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

/** `KEEPALIVE:<time> <tag>` → its parts; null for an untagged or malformed keepalive. */
export function parseTaggedKeepalive(text: string): { timeText: string; time: number; tag: string } | null {
  const m = /^KEEPALIVE:(\d{1,12}(?:\.\d{1,6})?) ([A-Za-z0-9_-]{22})$/.exec(text);
  return m ? { timeText: m[1]!, time: Number(m[1]), tag: m[2]! } : null;
}
