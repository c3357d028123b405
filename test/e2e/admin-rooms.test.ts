import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { TmuxSession } from '../helpers/tmux.js';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort } from '../helpers/paths.js';
import { onCleanup, rowOf, startAdmin, startServer, station } from './admin-harness.js';

/** The station table's title line (the top border of the Stations box). */
const title = (screen: string): string => screen.split('\n')[0] ?? '';

test('opv admin with rooms at 80×24: a ROOM column, f filters the table and the events by room, --room starts filtered', async () => {
  const netPort = await freeUdpPort();
  const srv = await startServer(['--room', `NET:${netPort}`]);
  const t = new TmuxSession([opvBin, 'admin', '--url', srv.url], { width: 80, height: 24 });
  onCleanup(() => t.kill());
  await t.waitForScreen(/● CONNECTED/, 15_000);
  const a = await station('W1ABC', srv.port);
  const b = await station('VE3XYZ', netPort);
  a.chat('in the main room');
  b.chat('in the net');
  let screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined && rowOf(s, 'VE3XYZ') !== undefined, 15_000);
  assert.match(title(screen), /Stations \(2\) · all rooms · MAIN 1 NET 1/);
  assert.match(screen.split('\n')[1]!, /ENDPOINT +ROOM +STATE/);
  assert.match(rowOf(screen, 'W1ABC')!, /127\.0\.0\.1:\d+ +MAIN +idle/);
  assert.match(rowOf(screen, 'VE3XYZ')!, /127\.0\.0\.1:\d+ +NET +idle/);
  assert.ok(screen.split('\n').every((l) => [...l].length <= 80));

  t.sendKeys('f');
  screen = await t.waitForScreen((s) => /Stations \(1\) · room MAIN/.test(title(s)));
  assert.ok(rowOf(screen, 'W1ABC') && !rowOf(screen, 'VE3XYZ'), screen);
  assert.match(screen, /showing room MAIN only/);
  t.sendKeys('f');
  screen = await t.waitForScreen((s) => /Stations \(1\) · room NET/.test(title(s)) && rowOf(s, 'VE3XYZ') !== undefined && rowOf(s, 'W1ABC') === undefined);
  // Filtered to NET: a transmission in NET is logged, one in MAIN is not.
  await a.talk(5, 40);
  await b.talk(5, 40);
  screen = await t.waitForScreen(/VE3XYZ in NET PTT stop/, 10_000);
  assert.doesNotMatch(screen, /W1ABC PTT/);
  t.sendKeys('f');
  await t.waitForScreen((s) => /Stations \(2\) · all rooms/.test(title(s)));
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);

  const filtered = await startAdmin(['--url', srv.url, '--room', 'net']);
  screen = await filtered.waitForScreen((s) => /Stations \(1\) · room NET/.test(title(s)) && rowOf(s, 'VE3XYZ') !== undefined);
  assert.equal(rowOf(screen, 'W1ABC'), undefined);
  filtered.sendKeys('q');
  assert.equal(await filtered.waitForExit(), 0);

  const once = new Proc(opvBin, ['admin', '--once', '--url', srv.url, '--room', 'NET']);
  assert.equal(await once.wait(), 0);
  assert.match(once.output, /^ROOM +HERE +REMOTE +RX +FWD +LINK +TALKING\nNET:\d+ +1 +0 /m);
  assert.match(once.output, /^VE3XYZ /m);
  assert.doesNotMatch(once.output, /^W1ABC /m);
  const bad = new Proc(opvBin, ['admin', '--once', '--url', srv.url, '--room', 'NOPE']);
  assert.notEqual(await bad.wait(), 0);
  assert.match(bad.output, /no room NOPE on this server \(rooms: MAIN NET\)/);
  const badName = new Proc(opvBin, ['admin', '--once', '--url', srv.url, '--room', 'no_way']);
  assert.notEqual(await badName.wait(), 0);
  assert.match(badName.output, /"no_way" is not a room name/);
});

const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

test('opv admin shows the stations of an interlinked server with @server, and the link state', { skip: existsSync(NATS_SERVER) ? false : `no ${NATS_SERVER}` }, async () => {
  // Through a path in a variable: this file compiles on branches without the NATS helper.
  const helper = '../helpers/nats.js';
  const { startNatsNode } = (await import(helper)) as { startNatsNode: (o: { name: string }) => Promise<{ url: string; kill: () => unknown }> };
  const nats = await startNatsNode({ name: 'admin' });
  onCleanup(() => nats.kill());
  const a = await startServer(['--nats', nats.url, '--server-id', 'hub-a']);
  const b = await startServer(['--nats', nats.url, '--server-id', 'hub-b']);
  await a.proc.waitForLine(/NATS: connected to .* as hub-a/);
  await b.proc.waitForLine(/NATS: connected to .* as hub-b/);
  const t = await startAdmin(['--url', a.url]);
  const here = await station('W1AAA', a.port);
  const there = await station('K1BBB', b.port);
  here.chat('on a');
  there.chat('on b');
  const screen = await t.waitForScreen((s) => /@hub-b/.test(rowOf(s, 'K1BBB') ?? '') && rowOf(s, 'W1AAA') !== undefined, 15_000);
  assert.match(rowOf(screen, 'K1BBB')!, /@hub-b +MAIN +idle +- +-/);
  assert.match(screen, /link ● connected to 127\.0\.0\.1:\d+, 1 peer/);
  assert.match(screen, /Interlink hub-a ● connected to 127\.0\.0\.1:\d+/);
  assert.match(screen, /peers hub-b \(1 st, \d+s ago\)/);
  assert.match(screen, /K1BBB joined MAIN on server hub-b/);
  // The stats channel's side of it: remote stations in the room's view, interlink series.
  const main = (await (await fetch(`${a.url}/api/v1/stats?room=MAIN`)).json()) as { remote_stations: { callsign: string; server: string }[] };
  assert.deepEqual(main.remote_stations.map((r) => `${r.callsign}@${r.server}`), ['K1BBB@hub-b']);
  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  assert.match(metrics, /^opv_interlink_connected\{server_id="hub-a"\} 1$/m);
  assert.match(metrics, /^opv_interlink_peers\{server_id="hub-a"\} 1$/m);
  assert.match(metrics, /^opv_room_remote_stations\{room="MAIN"\} 1$/m);
  const once = new Proc(opvBin, ['admin', '--once', '--url', a.url]);
  assert.equal(await once.wait(), 0);
  assert.match(once.output, /^On other servers:\nCALLSIGN +SERVER +ROOM +STATE +ON FOR +HEARD\nK1BBB +@hub-b MAIN/m);
  // K1BBB sorts first: selected (Home; the selection stays on W1AAA if it was there before
  // K1BBB's row came), a kick says it goes network-wide (answered no here).
  t.sendKeys('Home');
  t.sendKeys('k');
  await t.waitForScreen((s) => /Kick K1BBB\?/.test(s) && /│ *\(on hub-b: network-wide\) *│/.test(s));
  t.sendKeys('n');
  await t.waitForScreen(/Kick K1BBB: cancelled/);
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});
