import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';

test('port 0 binds free ports that the starting event reports, and they answer', async (t) => {
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', '0', '--stats-port', '0', '--room', 'A:0', '--room', 'B', '--log-format', 'json']);
  t.after(() => proc.stop());
  const line = await proc.waitForLine(/"event":"starting"/);
  const s = JSON.parse(line) as { udp_port: number; stats_port: number; rooms: { room: string; port: number | null }[] };
  assert.ok(s.udp_port > 0 && s.stats_port > 0);
  const a = s.rooms.find((r) => r.room === 'A')!;
  assert.ok(a.port !== null && a.port > 0 && a.port !== s.udp_port);
  assert.deepEqual(s.rooms.find((r) => r.room === 'B'), { room: 'B', port: null });
  assert.deepEqual(s.rooms[0], { room: 'MAIN', port: s.udp_port });
  const r = await fetch(`http://127.0.0.1:${s.stats_port}/api/v1/stats`);
  assert.equal(r.status, 200);
});

test('a port below 1024 other than 0 is a one-line error', async () => {
  const proc = new Proc(opvBin, ['server', '-p', '80']);
  assert.equal(await proc.waitForExit(), 1);
  assert.match(proc.output, /--port must be 0 \(any free port\) or between 1024 and 65535/);
});
