import type { KeyObject } from 'node:crypto';
import {
  formatStationAuth,
  parseServerAuth,
  transcript,
  type Challenge,
  type ServerAuthMessage,
} from '../../src/protocol/auth.js';
import { ephemeralX25519, keepaliveTag, sessionKey, signTranscript } from '../../src/auth/crypto.js';
import type { SimStation } from './sim-station.js';

/**
 * The station side of the authentication handshake at protocol level, over a SimStation's
 * real socket: for tests that need to misbehave (wrong key, replays, answers for another
 * server) or to move to a new port like a NAT rebinding.
 */
export class AuthClient {
  /** Server authentication messages heard so far (OPV-SRV control texts that parse). */
  private seen = 0;
  lastResponse = '';
  key: Buffer | null = null;

  constructor(readonly s: SimStation) {}

  /** The next authentication message from the server. */
  async next(timeoutMs = 5000): Promise<ServerAuthMessage> {
    let found: ServerAuthMessage | null = null;
    await this.s.until(() => {
      const msgs = this.s.controls('OPV-SRV').map(parseServerAuth).filter((m) => m !== null);
      if (msgs.length > this.seen) found = msgs[this.seen++]!;
      return found !== null;
    }, timeoutMs, 'an authentication message from the server');
    return found!;
  }

  async challenge(callsign = this.s.callsign): Promise<Challenge> {
    this.s.control(formatStationAuth({ type: 'request', callsign }));
    const m = await this.next();
    if (m.type !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(m)}`);
    return m;
  }

  /** Answers `c` signed with `key` (for `signAs`, the server id signed may be swapped). */
  respond(c: Challenge, key: KeyObject, signAs: Partial<Challenge> = {}, tags = false): void {
    this.s.control(this.responseText(c, key, signAs, tags));
  }

  /** The response to `c` (not sent), e.g. to deliver it to another server. */
  responseText(c: Challenge, key: KeyObject, signAs: Partial<Challenge> = {}, tags = false): string {
    const eph = ephemeralX25519();
    const t = transcript(this.s.callsign, { ...c, ...signAs }, eph.pub, tags);
    this.key = sessionKey(eph.privateKey, c.serverPub, t);
    this.lastResponse = formatStationAuth({ type: 'response', stationPub: eph.pub, signature: signTranscript(key, t), tags });
    return this.lastResponse;
  }

  async login(key: KeyObject): Promise<ServerAuthMessage> {
    this.respond(await this.challenge(), key);
    return this.next();
  }

  taggedKeepalive(nowMs = Date.now()): string {
    const t = (nowMs / 1000).toFixed(3);
    return `KEEPALIVE:${t} ${keepaliveTag(this.key!, this.s.callsign, t)}`;
  }
}
