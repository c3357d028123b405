import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeTcpPort } from '../helpers/paths.js';
import type { ServerStats } from '../../src/contract/stats.js';
import { startServer, station, onCleanup } from './admin-harness.js';

const TOKEN = 'club-secret';

async function admin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const env0 = { ...process.env };
  delete env0.OPV_STATS_TOKEN;
  const p = new Proc(opvBin, ['admin', ...args], { env: { ...env0, ...env } });
  onCleanup(() => p.stop());
  const code = await p.waitForExit(15_000);
  return { code, out: p.stdoutLines.join('\n'), err: p.stderrLines.join('\n') };
}

test('--once prints a plain snapshot; --json the raw stats; the token from the flag or the environment', async () => {
  const srv = await startServer(['--stats-token', TOKEN]);
  const a = await station('W1ABC', srv.port);
  const b = await station('VE3XYZ', srv.port);
  a.chat('hello');
  b.chat('hi');
  await srv.proc.waitForLine(/NEW STATION: VE3XYZ/);
  await srv.proc.waitForLine(/NEW STATION: W1ABC/);

  const once = await admin(['--once', '--url', srv.url, '--token', TOKEN]);
  assert.equal(once.code, 0, once.err);
  assert.match(once.out, new RegExp(`^opv server at http://127\\.0\\.0\\.1:${srv.statsPort}$`, 'm'));
  assert.match(once.out, /^Active stations 2 /m);
  assert.match(once.out, /^Received\s+2$/m);
  assert.match(once.out, /^Health\s+ok$/m);
  assert.match(once.out, /^CALLSIGN\s+ENDPOINT\s+STATE\s+FRAMES\s+BYTES\s+HEARD\s+TIMEOUT$/m);
  const rows = once.out.split('\n').filter((l) => /^(W1ABC|VE3XYZ) /.test(l));
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[0]), ['VE3XYZ', 'W1ABC'], 'sorted by callsign');
  assert.match(rows[1]!, new RegExp(`^W1ABC\\s+127\\.0\\.0\\.1:${a.port}\\s+idle\\s+1\\s+134\\s`));
  assert.doesNotMatch(once.out, /\x1b\[/, 'plain text, no escape sequences');

  const json = await admin(['--json', '--url', srv.url], { OPV_STATS_TOKEN: TOKEN });
  assert.equal(json.code, 0, json.err);
  const stats = JSON.parse(json.out) as ServerStats;
  assert.equal(stats.active_stations, 2);
  assert.deepEqual(stats.stations.map((s) => s.callsign).sort(), ['VE3XYZ', 'W1ABC']);
});

test('--once with a wrong or missing token, an unreachable server or a bad URL: one line, non-zero exit', async () => {
  const srv = await startServer(['--stats-token', TOKEN]);
  const closed = await freeTcpPort();
  const cases: [string[], RegExp][] = [
    [['--once', '--url', srv.url, '--token', 'nope'], /^opv: the server at http:\/\/127\.0\.0\.1:\d+ refused the token \(401\): check --token or OPV_STATS_TOKEN/],
    [['--json', '--url', srv.url], /^opv: the server at http:\/\/127\.0\.0\.1:\d+ needs a token \(401\): pass --token or set OPV_STATS_TOKEN$/],
    [['--once', '--url', `http://127.0.0.1:${closed}`], /^opv: cannot reach the opv stats channel at http:\/\/127\.0\.0\.1:\d+: connection refused/],
    [['--once', '--url', 'ftp://example'], /^opv: --url must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/example"$/],
  ];
  for (const [args, re] of cases) {
    const r = await admin(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.out, '', 'nothing on stdout');
    const lines = r.err.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
    assert.match(lines[0]!, re);
  }
});

test('the dashboard refuses to start without a terminal and points at --once', async () => {
  const r = await admin(['--url', 'http://127.0.0.1:9']);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /^opv: the dashboard needs a terminal: use --once or --json in scripts$/);
});
