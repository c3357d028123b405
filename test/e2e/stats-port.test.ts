/**
 * The stats port under a slowloris, on loopback only: connections from many 127.x
 * addresses that send half a request line and then a byte now and then, and a burst from
 * one address past its cap. A legitimate client keeps being served within a second, the
 * refusals are counted, and the idle connections are closed by the time-outs. Then the
 * secrets: the token from a file or the environment, a token on the command line warned.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import { startServer } from './support/stations.js';
import type { ServerStats } from '../../src/contract/stats.js';
import { eventually } from '../helpers/eventually.js';

function open(port: number, localAddress: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.write('GET /api/v1/stats HTTP/1.1\r\nhost: x\r\nx-slow: ');
      resolve(s);
    });
    s.on('error', () => resolve(null));
    s.on('close', () => resolve(null));
  });
}

/** A server without periodic statistics (quiet logs), and its stats channel's base URL. */
async function statsServer(t: TestContext, extra: string[], env?: NodeJS.ProcessEnv): Promise<{ proc: Proc; base: string }> {
  const { proc, statsPort } = await startServer(['--stats-interval', '0', ...extra], t, env);
  return { proc, base: `http://127.0.0.1:${statsPort}` };
}

test('1 000+ slow connections leave a legitimate client served within a second; refusals counted; idle ones closed', async (t) => {
  const { base } = await statsServer(t, []);
  const statsPort = Number(new URL(base).port);
  const attackers: Socket[] = [];
  t.after(() => attackers.forEach((s) => s.destroy()));
  // 1 000 from 250 addresses (4 each), then 100 from one address: past its cap of 32.
  const sources = Array.from({ length: 250 }, (_, i) => `127.1.${Math.floor(i / 200)}.${(i % 200) + 1}`);
  for (let round = 0; round < 4; round++) {
    const batch = await Promise.all(sources.map((a) => open(statsPort, a)));
    for (const s of batch) if (s) attackers.push(s);
  }
  const burst = await Promise.all(Array.from({ length: 100 }, () => open(statsPort, '127.0.0.2')));
  for (const s of burst) if (s) attackers.push(s);
  // A byte now and then keeps each one "active" for a naive idle timer.
  const drip = setInterval(() => attackers.forEach((s) => !s.destroyed && s.write('a')), 1500);
  t.after(() => clearInterval(drip));

  const worst: number[] = [];
  const until = Date.now() + 8000;
  let last: ServerStats | null = null;
  while (Date.now() < until) {
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/stats`, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 200);
    last = (await r.json()) as ServerStats;
    worst.push(performance.now() - t0);
    // Paced on purpose: a client asking five times a second for eight seconds.
    await new Promise((res) => setTimeout(res, 200));
  }
  clearInterval(drip);
  const max = Math.max(...worst);
  assert.ok(max < 1000, `every request answered within a second (slowest ${max.toFixed(0)} ms over ${worst.length})`);
  const ch = last!.stats_channel!;
  assert.ok(ch.connections_refused >= 100 - 32, `the one address past its cap was refused: ${JSON.stringify(ch)}`);
  assert.ok(ch.connections <= ch.connection_cap, 'never more than the cap held');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^opv_stats_connections_refused_total [1-9]\d*$/m);
  assert.match(metrics, /^opv_stats_connection_cap 1024$/m);
  // The header time-out (5 s, checked each second) closes what is left of the slow ones.
  let held: ServerStats['stats_channel'] = null;
  await eventually(
    async () => {
      held = ((await (await fetch(`${base}/api/v1/stats`)).json()) as ServerStats).stats_channel;
      return held!.connections <= 2;
    },
    () => `the slow connections are closed (still held: ${JSON.stringify(held)})`,
    15_000,
    500,
  );
});

test('the stats token comes from --stats-token-file or OPV_STATS_TOKEN; on the command line it works but warns', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-secret-'));
  const file = path.join(dir, 'token');
  writeFileSync(file, 'from-a-file\n', { mode: 0o600 });
  const a = await statsServer(t, ['--stats-token-file', file]);
  assert.equal((await fetch(`${a.base}/api/v1/stats`)).status, 401);
  assert.equal((await fetch(`${a.base}/api/v1/stats`, { headers: { authorization: 'Bearer from-a-file' } })).status, 200);
  assert.ok(!a.proc.output.includes('visible to every user'), 'no warning for a file');

  const b = await statsServer(t, [], { ...process.env, OPV_STATS_TOKEN: 'from-env' });
  assert.equal((await fetch(`${b.base}/api/v1/stats`, { headers: { authorization: 'Bearer from-env' } })).status, 200);

  const c = await statsServer(t, ['--stats-token', 'on-the-line']);
  assert.equal((await fetch(`${c.base}/api/v1/stats`, { headers: { authorization: 'Bearer on-the-line' } })).status, 200);
  assert.match(c.proc.output, /--stats-token on the command line is visible to every user in ps: use --stats-token-file/);

  const missing = new Proc(opvBin, ['server', '-p', '0', '--stats-token-file', path.join(dir, 'nope')]);
  assert.notEqual(await missing.wait(), 0);
  assert.match(missing.output, /--stats-token-file .*nope: no such file/);
  writeFileSync(path.join(dir, 'empty'), '\n');
  const empty = new Proc(opvBin, ['server', '-p', '0', '--stats-token-file', path.join(dir, 'empty')]);
  assert.notEqual(await empty.wait(), 0);
  assert.match(empty.output, /the file is empty/);
});
