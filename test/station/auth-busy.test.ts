import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { formatServerAuth, parseStationAuth } from '../../src/protocol/auth.js';
import { StationAuthority } from '../../src/server/auth.js';
import { makeEndpoint } from '../../src/server/endpoint.js';
import { StationAuth } from '../../src/station/auth.js';

// The real station authenticator against the real server authority, both on one fake
// clock: a server out of challenges answers "busy"; the station backs off and asks
// again until it is in, and is in again at once when a restarted server forgets it.

function rig(): { station: StationAuth; server: StationAuthority; clock: { now: number }; failures: string[]; deliver: () => void } {
  const clock = { now: 1_000_000 };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  let server = new StationAuthority('optional');
  server.setKeys(new Map([['W2OWN', [{ id: 'k1', key: publicKey, comment: '' }]]]));
  const outbox: string[] = [];
  const station = new StationAuth('W2OWN', privateKey, (t) => outbox.push(t), () => clock.now, true);
  const failures: string[] = [];
  station.on('failed', (f) => failures.push(f.reason));
  const from = makeEndpoint('192.0.2.9', 50000);
  const deliver = (): void => {
    while (outbox.length > 0) {
      const m = parseStationAuth(outbox.shift()!);
      assert.ok(m !== null);
      const out = server.onMessage(m, 'W2OWN', from, clock.now);
      if (out.kind !== 'silent') station.handle(formatServerAuth(out.message));
    }
  };
  return {
    station,
    get server() {
      return server;
    },
    set server(s: StationAuthority) {
      server = s;
    },
    clock,
    failures,
    deliver,
  };
}

function drainChallenges(server: StationAuthority, nowMs: number): void {
  // A flood from other sources takes every challenge the server has.
  for (let i = 0; i < 200; i++) server.onMessage({ type: 'request', callsign: 'W2OWN' }, 'W2OWN', makeEndpoint('198.51.100.1', 1000 + i), nowMs);
}

test('busy is retried with back-off until the server has a challenge again, then authenticated', () => {
  const r = rig();
  drainChallenges(r.server, r.clock.now);
  r.station.request();
  r.deliver();
  assert.deepEqual(r.failures, ['busy']);
  assert.equal(r.station.authenticated, false);
  // Still flooded at the first retry: busy again, a longer wait.
  for (let ms = 0; ms < 1000; ms += 250) {
    r.clock.now += 250;
    drainChallenges(r.server, r.clock.now);
    r.station.tick();
    r.deliver();
  }
  assert.deepEqual(r.failures, ['busy', 'busy']);
  // The flood is over: within the next back-off (2 s) the station is in.
  for (let ms = 0; ms < 2500 && !r.station.authenticated; ms += 250) {
    r.clock.now += 250;
    r.station.tick();
    r.deliver();
  }
  assert.equal(r.station.authenticated, true);
  assert.equal(r.station.state.kind, 'authenticated');
});

test('a restarted server forgets the session: "needs a key" asks at once, with no wait', () => {
  const r = rig();
  r.station.request();
  r.deliver();
  assert.equal(r.station.authenticated, true);
  r.clock.now += 60_000;
  r.station.onAuthRequired();
  assert.equal(r.station.authenticated, false, 'the old session key is void at once');
  assert.equal(r.station.state.kind, 'asking');
});
