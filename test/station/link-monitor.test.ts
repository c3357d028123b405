import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_PROBE_FOR_MS, initialLinkMonitor, linkStep, PROBE_MS, SILENT_SERVER_MS, type LinkAction, type LinkEvent, type LinkMonitorState } from '../../src/station/link-monitor.js';
import { linkIsDown, linkView, linkViewText } from '../../src/station/link-view.js';

// The link monitor on a fake clock: connect, server restart (silence, fast probing, back),
// reference server, send failures (unreachable and back), transmitting.

const INTERVAL = 2000;

class Run {
  state: LinkMonitorState = initialLinkMonitor();
  now = 1_000_000;
  readonly sent: number[] = [];
  readonly links: string[] = [];
  pttActive = false;
  unconfirmed = 0;
  lastSendOkAt = 0;
  /** The server echoes each keepalive after this many ms (null: silent). */
  echoMs: number | null = 20;
  private echoDue: number[] = [];
  on(e: LinkEvent): this {
    const r = linkStep(this.state, e, this.now);
    this.state = r.state;
    for (const a of r.actions) this.act(a);
    return this;
  }
  private act(a: LinkAction): void {
    if (a.type === 'link') this.links.push(a.link.kind);
    else {
      this.sent.push(this.now);
      this.lastSendOkAt = this.now;
      if (this.echoMs !== null) this.echoDue.push(this.now + this.echoMs);
    }
  }
  after(ms: number): this {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 10;
      while (this.echoDue.length > 0 && this.echoDue[0]! <= this.now) {
        this.echoDue.shift();
        if (this.echoMs !== null) this.on({ type: 'echo', rttMs: this.echoMs });
      }
      if (this.now % 250 === 0) this.on({ type: 'tick', intervalMs: INTERVAL, pttActive: this.pttActive, unconfirmed: this.unconfirmed, lastSendAt: this.sent.at(-1) ?? 0, lastSendOkAt: this.lastSendOkAt });
    }
    return this;
  }
  get kind(): string {
    return this.state.link.kind;
  }
}

test('connects on the first echo and keeps the keepalive pace while answered', () => {
  const r = new Run().after(10_000);
  assert.equal(r.kind, 'connected');
  const gaps = r.sent.slice(1).map((t, i) => t - r.sent[i]!);
  assert.ok(gaps.every((g) => g >= INTERVAL - 50 && g <= INTERVAL + 250), `keepalive gaps ${gaps.join(',')}`);
});

test('server restart: silent for SILENT_SERVER_MS is "no reply", probing goes fast, and the first echo is "connected" again', () => {
  const r = new Run().after(5000);
  r.echoMs = null;
  const down = r.now;
  r.after(SILENT_SERVER_MS + 2 * INTERVAL);
  assert.equal(r.kind, 'no_reply');
  assert.ok(r.state.link.kind === 'no_reply' && r.state.link.wasConnected);
  const probes = r.sent.filter((t) => t > down + SILENT_SERVER_MS + INTERVAL);
  assert.ok(probes.length >= 2 && probes.slice(1).every((t, i) => t - probes[i]! <= PROBE_MS + 250), 'fast probes while the outage is young');
  r.echoMs = 20;
  const up = r.now;
  r.after(1500);
  assert.equal(r.kind, 'connected');
  assert.ok(r.state.connectedSince - up <= PROBE_MS + 300, `back ${r.state.connectedSince - up} ms after the server answers`);
  assert.deepEqual(r.links.filter((k, i) => k !== r.links[i - 1]), ['connected', 'no_reply', 'connected']);
});

test('never answered but stations heard: a reference server; never answered and nobody heard: no reply', () => {
  const ref = new Run();
  ref.echoMs = null;
  ref.on({ type: 'heard' }).after(4 * INTERVAL);
  assert.equal(ref.kind, 'reference');
  const dead = new Run();
  dead.echoMs = null;
  dead.after(4 * INTERVAL);
  assert.ok(dead.state.link.kind === 'no_reply' && !dead.state.link.wasConnected);
});

test('a send failure is "unreachable" until a send succeeds after it; then "no reply" until an echo', () => {
  const r = new Run().after(3000);
  r.echoMs = null;
  r.on({ type: 'sendError', error: 'network unreachable' });
  assert.equal(r.kind, 'unreachable');
  const failedAt = r.now;
  r.lastSendOkAt = failedAt - 1;
  // The next keepalive succeeds (the Run marks each send accepted).
  r.after(INTERVAL + 500);
  assert.equal(r.kind, 'no_reply');
  r.echoMs = 20;
  r.after(1000);
  assert.equal(r.kind, 'connected');
});

test('no keepalives while transmitting, and a long transmission is not an outage', () => {
  const r = new Run().after(3000);
  r.pttActive = true;
  r.on({ type: 'transmitting' });
  const n = r.sent.length;
  r.echoMs = null;
  r.after(20_000);
  assert.equal(r.sent.length, n);
  assert.equal(r.kind, 'connected');
});

test('unconfirmed chat is probed at the fast pace', () => {
  const r = new Run().after(3000);
  r.unconfirmed = 1;
  r.echoMs = null;
  const from = r.sent.length;
  r.after(3000);
  assert.ok(r.sent.length - from >= 3, `${r.sent.length - from} probes in 3 s`);
});

test('the link view: a refusal outranks "no reply", "needs a key" while authenticating is not a refusal, unreachable outranks all', () => {
  const noReply = { kind: 'no_reply', sinceMs: 0, wasConnected: true } as const;
  assert.deepEqual(linkView(noReply, { reason: 'banned', retryAt: null, at: 0 }, false), { kind: 'banned' });
  assert.deepEqual(linkView(noReply, { reason: 'kicked', retryAt: 5000, at: 0 }, false), { kind: 'kicked', until: 5000 });
  assert.deepEqual(linkView(noReply, { reason: 'in_use', retryAt: 9000, at: 0 }, false), { kind: 'refused', reason: 'in_use', until: 9000 });
  assert.deepEqual(linkView(noReply, { reason: 'auth_required', retryAt: null, at: 0 }, true), { kind: 'authenticating' });
  assert.deepEqual(linkView({ kind: 'unreachable', error: 'x' }, { reason: 'banned', retryAt: null, at: 0 }, false), { kind: 'unreachable', error: 'x' });
  assert.ok(linkIsDown(linkView(noReply, null, false)));
  assert.ok(!linkIsDown(linkView({ kind: 'connected', rttMs: 3 }, null, false)));
  assert.match(linkViewText({ kind: 'banned' }), /banned by the sysop/);
  assert.match(linkViewText({ kind: 'refused', reason: 'in_use', until: Date.UTC(2026, 0, 1, 12, 0, 0) }), /refused: callsign in use until \d\d:\d\d:\d\d/);
  assert.equal(linkViewText({ kind: 'no_reply', sinceMs: 0, wasConnected: true }, 7400), 'no reply from server for 7 s');
  assert.equal(linkViewText({ kind: 'no_reply', sinceMs: 0, wasConnected: true }, 7400, 'compact'), 'no reply for 7 s');
  assert.equal(linkViewText({ kind: 'connected', rttMs: 12 }, 0, 'compact'), 'connected 12 ms');
});

test('NAT rebinding the server does not follow: a chat line awaits its echo, probes go fast, "no reply" within SILENT_SERVER_MS and a probe of it, and the first echo after the server follows is "connected"', () => {
  const r = new Run().after(6000);
  // The mapping changed: what the station sends no longer reaches the server, and no echo comes back.
  r.echoMs = null;
  r.unconfirmed = 1;
  const cut = r.now;
  r.after(SILENT_SERVER_MS + PROBE_MS + 500);
  assert.equal(r.kind, 'no_reply', 'the station learns the server dropped it');
  const probes = r.sent.filter((t) => t > cut);
  assert.ok(probes.length >= 4, `${probes.length} fast probes`);
  // The server follows the tagged keepalive to the new port: answered again.
  r.echoMs = 20;
  const back = r.now;
  r.after(PROBE_MS + 300);
  assert.equal(r.kind, 'connected');
  assert.ok(r.state.connectedSince - back <= PROBE_MS + 300);
});

test('a long outage (a server down, or one that stopped answering us): fast probes while it is young, then the keepalive pace', () => {
  const r = new Run().after(5000);
  r.echoMs = null;
  const cut = r.now;
  r.after(10_000);
  const young = r.sent.filter((t) => t > cut).length;
  r.after(FAST_PROBE_FOR_MS);
  const from = r.now;
  r.after(10 * INTERVAL);
  const old = r.sent.filter((t) => t > from).length;
  assert.equal(r.kind, 'no_reply');
  assert.ok(young >= 10, `${young} probes in the first 10 s`);
  assert.ok(old <= 11, `${old} keepalives in ${10 * INTERVAL} ms once the outage is old`);
});
