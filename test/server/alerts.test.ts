import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertBoard, OVERFLOW_SUBJECT, type AlertChange } from '../../src/server/alert-board.js';
import { DEFAULT_ALERT_THRESHOLDS, ServerAlerts, type AlertSources, type AlertThresholds } from '../../src/server/alerts.js';

/** The figures a fake server reports, moved by each test between ticks of a fake clock. */
class FakeServer implements AlertSources {
  decode = 0;
  auth = 0;
  drops: number | null = 0;
  keyed: string[] = [];
  link: { connected: boolean; peers: { server_id: string; last_seen_s: number }[] } | null = null;
  decodeErrors = (): number => this.decode;
  authFailures = (): number => this.auth;
  socketDrops = (): number | null => this.drops;
  talking = (): string[] => this.keyed;
  peers = (): FakeServer['link'] => this.link;
}

function setup(over: Partial<AlertThresholds> = {}): { fake: FakeServer; alerts: ServerAlerts; changes: AlertChange[]; run: (seconds: number, each?: () => void) => void; at: () => number } {
  const fake = new FakeServer();
  const changes: AlertChange[] = [];
  const alerts = new ServerAlerts({ ...DEFAULT_ALERT_THRESHOLDS, clearAfterS: 5, ...over }, fake, (c) => changes.push(c));
  let now = 1_000_000;
  alerts.tick(now);
  return {
    fake,
    alerts,
    changes,
    at: () => now,
    run(seconds, each) {
      for (let i = 0; i < seconds; i++) {
        now += 1000;
        each?.();
        alerts.tick(now);
      }
    },
  };
}

const kinds = (cs: AlertChange[]): string[] => cs.map((c) => `${c.type === 'alert_raised' ? '+' : '-'}${c.kind}${c.subject !== null ? `:${c.subject}` : ''}`);

test('a high decode-error rate raises decode_errors once, and it clears after the quiet period', () => {
  const s = setup({ decodeErrorsPerS: 20 });
  s.run(5, () => (s.fake.decode += 10));
  assert.deepEqual(kinds(s.changes), [], '10/s is under the limit');
  s.run(3, () => (s.fake.decode += 100));
  assert.deepEqual(kinds(s.changes), ['+decode_errors'], 'raised once, not once per tick');
  assert.match(s.alerts.active(s.at())[0]!.message, /decode errors\/s \(limit 20\/s\)/);
  // The 10 s window still holds the burst: the condition lasts until it has slid out, then 5 s quiet.
  s.run(10);
  assert.deepEqual(kinds(s.changes), ['+decode_errors'], 'not cleared while the window holds the burst or before the quiet period');
  s.run(6);
  assert.deepEqual(kinds(s.changes), ['+decode_errors', '-decode_errors']);
  assert.equal(s.alerts.active(s.at()).length, 0);
});

test('a station keyed past the limit raises stuck_ptt for that callsign; unkeying clears it', () => {
  const s = setup({ stuckPttS: 60 });
  s.fake.keyed = ['W1ABC', 'K2XYZ'];
  s.run(30, () => undefined);
  s.fake.keyed = ['W1ABC'];
  s.run(29);
  assert.deepEqual(kinds(s.changes), []);
  s.run(2);
  assert.deepEqual(kinds(s.changes), ['+stuck_ptt:W1ABC'], 'only the one keyed for over 60 s');
  const a = s.alerts.active(s.at())[0]!;
  assert.equal(a.subject, 'W1ABC');
  assert.equal(a.since_s, 0, 'raised this tick');
  s.fake.keyed = [];
  s.run(5);
  assert.deepEqual(kinds(s.changes), ['+stuck_ptt:W1ABC', '-stuck_ptt:W1ABC']);
  // Keyed again: the count starts from zero.
  s.fake.keyed = ['W1ABC'];
  s.run(30);
  assert.equal(s.changes.length, 2);
});

test('a source refused past its rate limit raises flood for that source only', () => {
  const s = setup({ floodPerS: 25 });
  s.run(3, () => {
    for (let i = 0; i < 100; i++) s.alerts.noteRefused('4000@10.0.0.9');
    for (let i = 0; i < 5; i++) s.alerts.noteRefused('4001@10.0.0.8');
  });
  assert.deepEqual(kinds(s.changes), ['+flood:4000@10.0.0.9']);
  s.run(6);
  assert.deepEqual(kinds(s.changes), ['+flood:4000@10.0.0.9', '-flood:4000@10.0.0.9']);
});

test('authentication failures per minute raise auth_failures', () => {
  const s = setup({ authFailuresPerMin: 10 });
  s.run(10, () => (s.fake.auth += 1));
  assert.deepEqual(kinds(s.changes), ['+auth_failures'], 'one a second is 60/min, over the 10/min limit');
  s.run(20);
  assert.deepEqual(kinds(s.changes), ['+auth_failures', '-auth_failures']);
});

test('kernel socket drops raise socket_drops; unknown counters (null) raise nothing', () => {
  const s = setup({ socketDrops: 1 });
  s.run(2, () => (s.fake.drops! += 40));
  assert.deepEqual(kinds(s.changes), ['+socket_drops']);
  assert.match(s.alerts.active(s.at())[0]!.message, /kernel dropped 80 datagrams/);
  s.run(16);
  assert.deepEqual(kinds(s.changes), ['+socket_drops', '-socket_drops']);
  const n = setup();
  n.fake.drops = null;
  n.run(5);
  assert.deepEqual(kinds(n.changes), []);
});

test('an interlink peer silent past the limit, gone from the list, or behind a down link is lost until heard again', () => {
  const s = setup({ peerLostS: 30 });
  s.fake.link = { connected: true, peers: [{ server_id: 'hub-b', last_seen_s: 1 }, { server_id: 'hub-c', last_seen_s: 1 }] };
  s.run(3);
  assert.deepEqual(kinds(s.changes), []);
  s.fake.link = { connected: true, peers: [{ server_id: 'hub-b', last_seen_s: 31 }] };
  s.run(1);
  assert.deepEqual(kinds(s.changes), ['+interlink_peer_lost:hub-b', '+interlink_peer_lost:hub-c']);
  s.fake.link = { connected: true, peers: [{ server_id: 'hub-b', last_seen_s: 0 }, { server_id: 'hub-c', last_seen_s: 0 }] };
  s.run(6);
  assert.deepEqual(kinds(s.changes).slice(2).sort(), ['-interlink_peer_lost:hub-b', '-interlink_peer_lost:hub-c']);
  s.fake.link = { connected: false, peers: [{ server_id: 'hub-b', last_seen_s: 2 }] };
  s.run(1);
  assert.deepEqual(kinds(s.changes).slice(4), ['+interlink_peer_lost:hub-b', '+interlink_peer_lost:hub-c']);
});

test('thresholds of 0 switch an alert off', () => {
  const s = setup({ decodeErrorsPerS: 0, socketDrops: 0, stuckPttS: 0 });
  s.fake.keyed = ['W1ABC'];
  s.run(5, () => {
    s.fake.decode += 1000;
    s.fake.drops! += 1000;
  });
  assert.deepEqual(kinds(s.changes), []);
});

test('the board folds subjects past its cap into one alert, so labels stay bounded', () => {
  const b = new AlertBoard({ clearAfterMs: 1000, maxSubjectsPerKind: 3 });
  const held = Array.from({ length: 50 }, (_, i) => ({ kind: 'flood' as const, subject: `src${i}`, message: `src${i} floods` }));
  const raised = b.update(0, held);
  assert.deepEqual(raised.map((c) => c.subject), ['src0', 'src1', 'src2', OVERFLOW_SUBJECT]);
  assert.equal(b.size, 4);
  assert.deepEqual(b.update(500, held), [], 'nothing new while the same conditions hold');
  const cleared = b.update(2000, []);
  assert.equal(cleared.length, 4);
  assert.ok(cleared.every((c) => c.type === 'alert_cleared' && c.message.startsWith('cleared: ')));
});
