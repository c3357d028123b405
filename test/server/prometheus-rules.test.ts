/**
 * packaging/prometheus/opv-alerts.yml: valid for Prometheus (promtool, from Debian's
 * `prometheus` package, when installed), and every opv series it names is one the
 * server exports (checked against a real /metrics exposition, so a renamed metric
 * fails here rather than silently never firing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { createMetrics } from '../../src/server/metrics.js';
import { snapshot } from '../admin/fixtures.js';

const rules = path.join(repoRoot, 'packaging', 'prometheus', 'opv-alerts.yml');

function promtool(): string | null {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : null;
}

test('promtool check rules accepts opv-alerts.yml', (t) => {
  const tool = promtool();
  if (tool === null) {
    t.skip('promtool not installed (Debian package "prometheus"): the rules file was not checked by Prometheus itself');
    return;
  }
  const out = execFileSync(tool, ['check', 'rules', rules], { encoding: 'utf8' });
  assert.match(out, /SUCCESS: \d+ rules found/);
});

test('every opv_* series the rules use is exported by the server', async () => {
  const text = readFileSync(rules, 'utf8');
  const used = new Set([...text.matchAll(/\b(opv_[a-z_]+)\b/g)].map((m) => m[1]!));
  assert.ok(used.size >= 4, `rules name opv series: ${[...used].join(', ')}`);
  const s = snapshot({
    socket: { rcvbuf_bytes: 1, sndbuf_bytes: 1, kernel_rcvbuf_errors: 0, kernel_sndbuf_errors: 0 },
    alerts: [{ kind: 'stuck_ptt', subject: 'W1ABC', since_s: 1, message: 'x' }],
    stats_channel: { connections: 1, connection_cap: 1024, per_source_cap: 32, connections_refused: 0, connections_evicted: 0, connections_idle_closed: 0, event_clients: 0, event_clients_dropped: 0, event_clients_refused: 0 },
  });
  const exposition = await createMetrics(() => s).metrics();
  assert.match(exposition, /^opv_alert_active\{kind="stuck_ptt",subject="W1ABC"\} 1$/m);
  for (const name of used) assert.match(exposition, new RegExp(`^${name}(\\{| )`, 'm'), `${name} is exported`);
});
