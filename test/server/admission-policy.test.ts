import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAdmission, type AdmissionFacts } from '../../src/server/admission-policy.js';

const NOW = 1_000_000;
const facts = (f: Partial<AdmissionFacts> = {}): AdmissionFacts => ({
  nowMs: NOW,
  hold: null,
  permitted: true,
  mayUse: true,
  provenHere: false,
  existing: null,
  remoteServer: null,
  stations: 0,
  maxStations: 10,
  hijackHoldDownS: 5,
  ...f,
});

test('a new callsign with nothing against it is admitted as new', () => {
  assert.deepEqual(decideAdmission(facts()), { admit: true, as: 'new' });
});

test('the chain refuses in its order: hold, access list, authentication, then the full server', () => {
  const everything = facts({ hold: { reason: 'banned', until: null }, permitted: false, mayUse: false, stations: 10, remoteServer: 'b' });
  assert.deepEqual(decideAdmission(everything), { admit: false, rule: 'hold', reason: 'banned', retryAtMs: null });
  assert.deepEqual(decideAdmission({ ...everything, hold: { reason: 'kicked', until: NOW + 60_000 } }), {
    admit: false,
    rule: 'hold',
    reason: 'kicked',
    retryAtMs: NOW + 60_000,
  });
  assert.deepEqual(decideAdmission({ ...everything, hold: null }), { admit: false, rule: 'acl', reason: 'not_allowed', retryAtMs: null });
  assert.deepEqual(decideAdmission({ ...everything, hold: null, permitted: true }), { admit: false, rule: 'auth', reason: 'auth_required', retryAtMs: null });
  // Remote before full: a callsign held elsewhere is "in use", which waiting can fix.
  assert.deepEqual(decideAdmission({ ...everything, hold: null, permitted: true, mayUse: true }), {
    admit: false,
    rule: 'remote',
    reason: 'in_use',
    retryAtMs: NOW + 5000,
    holder: 'server b',
  });
  assert.deepEqual(decideAdmission(facts({ stations: 10 })), { admit: false, rule: 'full', reason: 'full', retryAtMs: null });
  assert.deepEqual(decideAdmission(facts({ stations: 9 })), { admit: true, as: 'new' });
});

test('hijack: the callsign from another endpoint is refused while its holder was heard within the hold-down', () => {
  const existing = { lastSeenMs: NOW - 4999, endpointKey: '10.0.0.1:4000' };
  assert.deepEqual(decideAdmission(facts({ existing })), { admit: false, rule: 'hijack', reason: 'in_use', retryAtMs: NOW + 1, holder: '10.0.0.1:4000' });
  // Silent for the whole hold-down: the station has moved (NAT rebinding, a restart).
  assert.deepEqual(decideAdmission(facts({ existing: { ...existing, lastSeenMs: NOW - 5000 } })), { admit: true, as: 'moved', fromKey: '10.0.0.1:4000' });
  // A session bound at the new endpoint is proof enough, at once.
  assert.deepEqual(decideAdmission(facts({ existing, provenHere: true })), { admit: true, as: 'moved', fromKey: '10.0.0.1:4000' });
});

test('a move of a station already here is neither counted against the cap nor refused for another server', () => {
  const existing = { lastSeenMs: NOW - 60_000, endpointKey: '10.0.0.1:4000' };
  assert.deepEqual(decideAdmission(facts({ existing, stations: 10, remoteServer: 'b' })), { admit: true, as: 'moved', fromKey: '10.0.0.1:4000' });
  // The holds and lists still apply to a move.
  assert.equal(decideAdmission(facts({ existing, permitted: false })).admit, false);
  assert.equal(decideAdmission(facts({ existing, hold: { reason: 'banned', until: null } })).admit, false);
});

test('a hold-down of zero lets any endpoint take a callsign over', () => {
  assert.deepEqual(decideAdmission(facts({ hijackHoldDownS: 0, existing: { lastSeenMs: NOW, endpointKey: 'x' } })), { admit: true, as: 'moved', fromKey: 'x' });
});
