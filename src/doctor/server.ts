/**
 * The server checks of `opv doctor`, from one probe (server-probe.ts): does it answer
 * keepalives and how fast, is it an opv server (the extension) or a reference one, does
 * it admit this callsign, and does this callsign need — and does the key pass — authentication.
 */
import { AUTH_FAIL_TEXT } from '../protocol/auth.js';
import type { RefusalReason } from '../protocol/ext.js';
import { fail, pass, skip, warn, type CheckResult } from './check.js';
import type { ProbeResult } from './server-probe.js';

const REFUSAL: Record<Exclude<RefusalReason, 'auth_required'>, { detail: string; fix: string }> = {
  in_use: { detail: 'another station is on the server with this callsign now', fix: 'stop the other station (a running opv-station service?) before going on the air' },
  banned: { detail: 'the sysop has banned this callsign', fix: "ask the server's sysop" },
  kicked: { detail: 'the sysop kicked this callsign; it may come back later', fix: 'wait, or ask the sysop' },
  full: { detail: 'the server is full (its --max-stations)', fix: 'try later, or ask the sysop' },
  not_allowed: { detail: "the server's access list does not admit this callsign", fix: "ask the server's sysop to allow it" },
};

export function serverChecks(p: ProbeResult, target: string, callsign: string, haveKey: boolean, waitMs: number): CheckResult[] {
  const name = `server ${target}`;
  if (p.unreachable !== null) {
    return [fail(name, p.unreachable, 'check -i/-p (the server\'s UDP port, 57372 by default), that `opv server` runs there, and that no firewall drops UDP')];
  }
  const out: CheckResult[] = [];
  const answered = p.firstAnswerMs !== null;
  if (p.rttMs.length > 0) {
    const sorted = [...p.rttMs].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)]!;
    out.push(pass(name, `answers keepalives: round trip ${med.toFixed(1)} ms (median of ${sorted.length})`));
  } else if (answered) {
    out.push(pass(name, `answers in ${String(p.firstAnswerMs)} ms (no keepalive echo while it refuses this callsign)`));
  } else {
    out.push(
      warn(
        name,
        `no answer in ${(waitMs / 1000).toFixed(1)} s: a reference server (it relays without echoing keepalives), or UDP to it is blocked`,
        'if this should be an opv server: check the address and port, and the firewall for UDP',
      ),
    );
  }
  if (p.welcome !== null) out.push(pass('opv extension', `spoken (version ${p.welcome.version}; silent stations are dropped after ${p.welcome.timeoutS} s)`));
  else if (answered || p.relayed > 0) out.push(skip('opv extension', 'not spoken: a reference server (no roster, announcements or refusal reasons)'));
  else out.push(skip('opv extension', 'unknown (no answer)'));

  for (const reason of p.refusals) {
    if (reason === 'auth_required') continue;
    const r = REFUSAL[reason];
    out.push(reason === 'in_use' ? warn('admission', `${callsign}: ${r.detail}`, r.fix) : fail('admission', `${callsign} is refused: ${r.detail}`, r.fix));
  }
  out.push(...authChecks(p, callsign, haveKey));
  return out;
}

function authChecks(p: ProbeResult, callsign: string, haveKey: boolean): CheckResult[] {
  const name = 'authentication';
  if (p.welcome === null && p.refusals.length === 0) return [skip(name, 'not known: the server does not speak the opv extension (reference servers do not authenticate)')];
  const protectedCall = p.refusals.includes('auth_required') || p.auth?.ok === true;
  if (!haveKey) {
    return protectedCall
      ? [fail(name, `required: ${callsign} is protected on this server (it holds the callsign's public key) and this station has no key`, `copy the station's key to ~/.config/opv/keys/${callsign}.pem (mode 0600) or give --key`)]
      : [pass(name, `not required: ${callsign} is not protected on this server (no key needed)`)];
  }
  if (p.auth === null) return [warn(name, 'the server did not answer the authentication request in time', 'run opv doctor again; if it persists, ask the sysop whether authentication is on')];
  if (p.auth.ok) return [pass(name, `required: ${callsign} is protected on this server, and this key is accepted (authenticated in ${p.auth.ms} ms)`)];
  switch (p.auth.reason) {
    case 'unknown_callsign':
      return [warn(name, `not required: ${callsign} is not protected on this server, so the key is not used there`, "to protect the callsign, send the sysop the public line (opv keygen prints it) for the server's authorized-keys file")];
    case 'disabled':
      return [warn(name, 'not required: authentication is off on this server, so the key is not used there')];
    case 'bad_signature':
      return [fail(name, `${callsign} is protected, but this key is not the one the server holds: ${AUTH_FAIL_TEXT.bad_signature}`, "use the key whose public line is in the server's authorized-keys file, or send the sysop this key's line")];
    default:
      return [fail(name, `refused: ${p.auth.text}`, 'run opv doctor again in a minute; if it persists, ask the sysop')];
  }
}
