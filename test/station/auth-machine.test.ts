import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH_BACKOFF_MAX_MS, AUTH_UNANSWERED_MS, REFAIL_MS, authStep, type AuthAction, type AuthEvent, type AuthState } from '../../src/station/auth-machine.js';

// The station's authentication machine on a fake clock: restart, refusal, busy, rebinding, time-out.

class Run {
  state: AuthState = { kind: 'idle' };
  now = 0;
  readonly actions: AuthAction['type'][] = [];
  on(e: AuthEvent): this {
    const r = authStep(this.state, e, this.now);
    this.state = r.state;
    this.actions.push(...r.actions.map((a) => a.type));
    return this;
  }
  /** Advances the clock in 250 ms ticks, as the engine's link tick does. */
  after(ms: number): this {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + 250);
      this.on({ type: 'tick' });
    }
    return this;
  }
  count(type: AuthAction['type']): number {
    return this.actions.filter((a) => a === type).length;
  }
}

const authenticate = (r: Run): Run => r.on({ type: 'start' }).after(100).on({ type: 'challenge' }).after(100).on({ type: 'ok' });

test('join: request, challenge, response, OK', () => {
  const r = authenticate(new Run());
  assert.equal(r.state.kind, 'authenticated');
  assert.deepEqual(r.actions, ['request', 'respond', 'authenticated']);
});

test('a challenge nobody asked for, or an OK to no response, is ignored', () => {
  const r = new Run().on({ type: 'challenge' }).on({ type: 'ok' });
  assert.equal(r.state.kind, 'idle');
  assert.deepEqual(r.actions, []);
});

test('busy never gives up for good: back-off doubles to a cap and the station asks until it is in', () => {
  const r = new Run().on({ type: 'start' });
  const waits: number[] = [];
  for (let i = 0; i < 12; i++) {
    r.on({ type: 'fail', reason: 'busy' });
    assert.equal(r.state.kind, 'backoff');
    const s = r.state;
    waits.push(s.retryAt - r.now);
    const before = r.count('request');
    r.after(s.retryAt - r.now);
    assert.equal(r.count('request'), before + 1, 'asked again when the back-off ran out');
  }
  assert.deepEqual(waits.slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
  assert.equal(Math.max(...waits), AUTH_BACKOFF_MAX_MS);
  r.on({ type: 'challenge' }).on({ type: 'ok' });
  assert.equal(r.state.kind, 'authenticated');
});

test('"needs a key" during a back-off does not hurry a busy server', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'fail', reason: 'busy' });
  const n = r.count('request');
  r.on({ type: 'required' });
  assert.equal(r.count('request'), n);
  assert.equal(r.state.kind, 'backoff');
});

test('server restart: "needs a key" while authenticated voids the session and asks at once', () => {
  const r = authenticate(new Run()).after(60_000);
  r.on({ type: 'required' });
  assert.deepEqual(r.actions.slice(-2), ['forget', 'request']);
  assert.equal(r.state.kind, 'asking');
  // The answer to our request is on its way: a second "needs a key" is not a new request.
  r.after(250).on({ type: 'required' });
  assert.equal(r.count('request'), 2);
  r.on({ type: 'challenge' }).on({ type: 'ok' });
  assert.equal(r.state.kind, 'authenticated');
});

test('"needs a key" repeated while the response is in flight asks nothing new (its OK must seal the key it answered with)', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'challenge' });
  r.after(1_500).on({ type: 'required' }).on({ type: 'required' });
  assert.equal(r.count('request'), 1);
  r.on({ type: 'ok' });
  assert.equal(r.state.kind, 'authenticated');
});

test('rebinding the server did not follow: a request lost on the way is asked again by the clock', () => {
  const r = authenticate(new Run()).on({ type: 'required' });
  assert.equal(r.count('request'), 2);
  r.after(AUTH_UNANSWERED_MS[0]);
  assert.equal(r.count('request'), 3);
  r.on({ type: 'challenge' }).on({ type: 'ok' });
  assert.equal(r.state.kind, 'authenticated');
});

test('time-out: unanswered requests are sent again a few times, then the server is taken not to authenticate', () => {
  const r = new Run().on({ type: 'start' });
  r.after(AUTH_UNANSWERED_MS.reduce((a, b) => a + b, 0) + 1000);
  assert.equal(r.count('request'), AUTH_UNANSWERED_MS.length);
  assert.equal(r.state.kind, 'unanswered');
  r.after(600_000);
  assert.equal(r.count('request'), AUTH_UNANSWERED_MS.length, 'quiet toward a server that never answers');
  // It speaks of keys after all (an opv server that came up late): ask.
  r.on({ type: 'required' });
  assert.equal(r.state.kind, 'asking');
});

test('a response unanswered is asked again from the start (a fresh challenge)', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'challenge' });
  r.after(AUTH_UNANSWERED_MS[0]);
  assert.equal(r.state.kind, 'asking');
  assert.equal(r.count('request'), 2);
});

test('refused for good (wrong key): no retries by itself; "needs a key" asks again at most every REFAIL_MS', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'challenge' }).on({ type: 'fail', reason: 'bad_signature' });
  assert.equal(r.state.kind, 'failed');
  r.after(REFAIL_MS - 1000).on({ type: 'required' });
  assert.equal(r.count('request'), 1, 'not within REFAIL_MS');
  r.after(1000).on({ type: 'required' });
  assert.equal(r.count('request'), 2);
});

test('expired and rate-limited challenges are retried; rate limiting waits longer', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'challenge' }).on({ type: 'fail', reason: 'expired' });
  assert.equal(r.state.kind, 'backoff');
  r.after(1000);
  assert.equal(r.state.kind, 'asking');
  r.on({ type: 'fail', reason: 'rate_limited' });
  const s = r.state as Extract<AuthState, { kind: 'backoff' }>;
  assert.ok(s.retryAt - r.now >= 15_000);
});

test('stop is final', () => {
  const r = new Run().on({ type: 'start' }).on({ type: 'stop' }).after(60_000).on({ type: 'required' });
  assert.equal(r.state.kind, 'stopped');
  assert.equal(r.count('request'), 1);
});
