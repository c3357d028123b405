import { checkCallsign } from './acl.js';
import { readAuthorizedKeys } from './authorized-keys.js';
import type { ServerParts } from './core.js';
import type { BanEntry } from '../contract/ext.js';
import type { Lifecycle } from './lifecycle.js';

export type AdminOutcome = { ok: true; message: string } | { ok: false; status: number; message: string };

type SysopDeps = Pick<ServerParts, 'config' | 'log' | 'now' | 'registry' | 'holds' | 'acl' | 'auth' | 'presence' | 'net'> & { lifecycle: Lifecycle };

/**
 * The sysop's actions (from the stats channel or a signal): kick, ban, unban, announce,
 * and re-reading the access list and the authorized keys. Each answers in words; a kick
 * or ban is shared with the other servers of the network.
 */
export class Sysop {
  constructor(private readonly d: SysopDeps) {}

  kick(callsign: string): AdminOutcome {
    const { registry, config, holds, presence, net } = this.d;
    const st = registry.get(callsign);
    const remote = st === undefined ? net.view?.holder(callsign) : undefined;
    if (!st && remote === undefined) return { ok: false, status: 404, message: `${callsign} is not connected` };
    const nowMs = this.d.now();
    const until = nowMs + config.kickHoldDownS * 1000;
    holds.kick(callsign, until);
    // Every server keeps it out for the hold-down, so it cannot hop to the next one.
    net.view?.shareHold('kick', callsign, until);
    if (st) {
      presence.tellStation(st, 'kicked', until);
      this.d.lifecycle.drop(st, 'kicked', nowMs);
    }
    const where = remote !== undefined ? ` on server ${remote.server}` : '';
    return { ok: true, message: `${callsign} kicked${where} (kept out for ${config.kickHoldDownS} s${net.view ? ' on every server' : ''})` };
  }

  /** Kept out until unbanned, across restarts (the state directory's bans.json). */
  ban(callsign: string): AdminOutcome {
    const { registry, holds, presence, net } = this.d;
    const c = checkCallsign(callsign);
    if (!c.ok) return { ok: false, status: 400, message: c.reason };
    const nowMs = this.d.now();
    try {
      holds.ban(c.callsign, nowMs);
    } catch (e) {
      return { ok: false, status: 500, message: `ban not saved: ${(e as Error).message}` };
    }
    net.view?.shareHold('ban', c.callsign, null);
    const st = registry.get(c.callsign);
    if (st) {
      presence.tellStation(st, 'banned', null);
      this.d.lifecycle.drop(st, 'banned', nowMs);
    }
    return { ok: true, message: `${c.callsign} banned${st ? ' and disconnected' : ''}${net.view ? ' on every server' : ''}` };
  }

  unban(callsign: string): AdminOutcome {
    const { holds, net, log, acl } = this.d;
    let had: boolean;
    try {
      had = holds.unban(callsign);
    } catch (e) {
      return { ok: false, status: 500, message: `unban not saved: ${(e as Error).message}` };
    }
    // Unbanned everywhere, even if this server had no record of it (it may have missed the ban).
    net.view?.shareHold('unban', callsign, null);
    if (!had) return { ok: false, status: 404, message: `${callsign} is not banned${net.view ? ' here (unbanned on the other servers)' : ''}` };
    log.unbanned(callsign);
    const still = acl.permits(callsign) ? '' : ' (still denied by the access list)';
    return { ok: true, message: `${callsign} unbanned${still}` };
  }

  bans(): BanEntry[] {
    return this.d.holds.list();
  }

  /** A sysop announcement to every opv station (reference stations cannot show it). */
  announce(text: string): AdminOutcome {
    const r = this.d.presence.announce(text);
    if (!r.text) return { ok: false, status: 400, message: 'announcement text is empty' };
    this.d.log.announcement(r.text, r.sent);
    return { ok: true, message: `announced to ${r.sent} station${r.sent === 1 ? '' : 's'}` };
  }

  reloadAcl(): void {
    const { acl, log, registry } = this.d;
    try {
      const r = acl.reload();
      log.aclReloaded(r.allow, r.deny);
      for (const st of [...registry.all()]) if (!acl.permits(st.callsign)) this.d.lifecycle.drop(st, 'banned', this.d.now());
    } catch (e) {
      log.warn(`access list not reloaded: ${(e as Error).message}`);
    }
  }

  /** Reads the authorized-keys file (a ConfigError naming file:line if it is bad). */
  loadKeys(): void {
    const { config, auth, log, registry, presence } = this.d;
    const file = config.authorizedKeys;
    if (file === null) return;
    auth.setKeys(readAuthorizedKeys(file));
    log.keysReloaded(auth.callsignCount, auth.keyCount);
    // A callsign that became protected (or whose key was removed) is off until it proves itself.
    for (const st of [...registry.all()]) {
      if (auth.mayUse(st.callsign, st.endpoint)) continue;
      presence.tellStation(st, 'auth_required', null);
      log.authRequired(st.callsign, st.endpoint.key);
      this.d.lifecycle.drop(st, 'kicked', this.d.now());
    }
  }

  reloadKeys(): void {
    try {
      this.loadKeys();
    } catch (e) {
      this.d.log.warn(`authorized keys not reloaded (the previous keys stay in force): ${(e as Error).message}`);
    }
  }
}
