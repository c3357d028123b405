import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { ServerStats } from '../../src/contract/stats.js';
import { chartTop, rollCall, rowOf, startAdmin, startServer, station } from './admin-harness.js';

const TOKEN = 'club-secret';

test('rows appear when stations join and disappear on BYE and on timeout; the log says why', async () => {
  const srv = await startServer(['-t', '3', '--stats-token', TOKEN]);
  const t = await startAdmin(['--url', srv.url, '--token', TOKEN]);
  const a = await station('W1ABC', srv.port);
  const b = await station('VE3XYZ', srv.port);
  a.chat('hello');
  b.chat('hi all');
  let screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined && rowOf(s, 'VE3XYZ') !== undefined);
  assert.match(screen, /Stations \(2\)/);
  assert.match(rowOf(screen, 'W1ABC')!, new RegExp(`127\\.0\\.0\\.1:${a.port}\\s+idle`));
  assert.match(screen, /W1ABC joined from 127\.0\.0\.1/);

  // W1ABC keeps talking to stay registered while VE3XYZ falls silent.
  const keepAlive = setInterval(() => a.control('KEEPALIVE:1'), 500);
  try {
    // The row and the log line come with the event; the figure with the next stats poll.
    screen = await t.waitForScreen((s) => rowOf(s, 'VE3XYZ') === undefined && /VE3XYZ timed out after \d+ s silent/.test(s) && /Timed out\s+1/.test(s), 15_000);
    assert.ok(rowOf(screen, 'W1ABC'), 'the live station stays');
    assert.match(screen, /Stations \(1\)/);
  } finally {
    clearInterval(keepAlive);
  }
  a.control('BYE');
  screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') === undefined && /W1ABC left \(BYE\)/.test(s));
  assert.match(screen, /Stations \(0\)/);
});

test('TALKING shows during a transmission, the graphs move, and the log records PTT', async () => {
  const srv = await startServer();
  const t = await startAdmin(['--url', srv.url]);
  const quiet = chartTop(t.capture(), 'Traffic');
  assert.ok(quiet < 2, `quiet chart scale, got ${quiet}`);
  const a = await station('W1ABC', srv.port);
  const b = await station('VE3XYZ', srv.port);
  b.chat('listening');
  a.chat('about to talk');
  let screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined && rowOf(s, 'VE3XYZ') !== undefined);

  const talk = a.talk(150, 40); // 6 s at 25 frames/s
  screen = await t.waitForScreen((s) => /TALKING/.test(rowOf(s, 'W1ABC') ?? '') && chartTop(s, 'Traffic') >= 10, 10_000);
  assert.match(rowOf(screen, 'VE3XYZ')!, /idle/);
  assert.match(screen, /Talking\s+W1ABC/);
  assert.match(screen, /W1ABC PTT start/);
  // About 25 frames/s at 134 bytes: some 27 kbit/s on the talker's row.
  screen = await t.waitForScreen((s) => {
    const m = /TALKING\s+[\d,]+\s+(\d+\.\d)/.exec(rowOf(s, 'W1ABC') ?? '');
    return m !== null && Number(m[1]) > 15 && Number(m[1]) < 40;
  });
  await talk;
  screen = await t.waitForScreen((s) => /idle/.test(rowOf(s, 'W1ABC') ?? '') && /W1ABC PTT stop/.test(s));
  assert.match(screen, /Kinds received\s+voice 150 text 2 ctl 2/);
});

test('the errors graph moves with junk datagrams; the decode-error warning appears', async () => {
  const srv = await startServer();
  const t = await startAdmin(['--url', srv.url]);
  const junk = await station('N0JNK', srv.port);
  let screen = t.capture();
  assert.ok(chartTop(screen, 'Errors') < 2);
  for (let i = 0; i < 200; i++) {
    junk.sendRaw(Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n\r\n${i}`));
    // Paced on purpose: junk the socket buffers hold, so the count is the server's to make.
    if (i % 25 === 24) await new Promise((r) => setTimeout(r, 10));
  }
  screen = await t.waitForScreen((s) => chartTop(s, 'Errors') >= 10 && /High decode error rate/.test(s));
  // The figure is the server's own count (UDP may drop some junk on a busy machine).
  const counted = ((await (await fetch(`${srv.url}/api/v1/stats`)).json()) as ServerStats).decode_errors;
  assert.ok(counted >= 100, `server counted ${counted}`);
  await t.waitForScreen(new RegExp(`Decode errors\\s+${counted}\\s`));
});

test('kick works with a token (confirmed first); without one the server refuses and the dashboard says so', async () => {
  const srv = await startServer(['--stats-token', TOKEN]);
  const t = await startAdmin(['--url', srv.url], { env: { OPV_STATS_TOKEN: TOKEN } });
  const a = await station('W1ABC', srv.port);
  a.chat('hello');
  await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);
  t.sendKeys('k');
  await t.waitForScreen(/Kick W1ABC\?/);
  t.sendKeys('n');
  let screen = await t.waitForScreen(/Kick W1ABC: cancelled/);
  assert.ok(rowOf(screen, 'W1ABC'), 'cancelled: still there');
  t.sendKeys('k');
  await t.waitForScreen(/Kick W1ABC\?/);
  t.sendKeys('y');
  screen = await t.waitForScreen((s) => /Kick W1ABC: done/.test(s) && rowOf(s, 'W1ABC') === undefined && /W1ABC left \(kicked\)/.test(s));
  await srv.proc.waitForLine(/🚫 KICKED: W1ABC/);

  // A server without a token refuses every action.
  const open = await startServer();
  const t2 = await startAdmin(['--url', open.url]);
  const b = await station('VE3XYZ', open.port);
  b.chat('hello');
  await t2.waitForScreen((s) => rowOf(s, 'VE3XYZ') !== undefined);
  t2.sendKeys('b');
  await t2.waitForScreen(/Ban VE3XYZ\?/);
  t2.sendKeys('y');
  screen = await t2.waitForScreen(/Ban VE3XYZ refused: refused by the server \(403\): admin actions are disabled/);
  assert.ok(rowOf(screen, 'VE3XYZ'), 'still there');
  assert.equal(open.proc.count(/BANNED/), 0);
});

test('a wrong token ends the dashboard with one line and a non-zero status; no server is a state on screen, retried', async () => {
  const srv = await startServer(['--stats-token', TOKEN]);
  const t = await startAdmin(['--url', srv.url, '--token', 'wrong'], { waitConnected: false });
  assert.equal(await t.waitForExit(15_000), 1);
  let screen = t.capture();
  const lines = screen.split('\n').filter((l) => l.trim() !== '');
  assert.deepEqual(lines.length, 1, screen);
  assert.match(lines[0]!, /^opv: the server at http:\/\/127\.0\.0\.1:\d+ refused the token \(401\): check --token/);
  const none = await startAdmin(['--url', 'http://127.0.0.1:9'], { waitConnected: false });
  screen = await none.waitForScreen(/UNREACHABLE: cannot reach the opv stats channel at http:\/\/127\.0\.0\.1:9: connection refused/);
  assert.doesNotMatch(screen, /\s+at .*\.js:\d+/);
  assert.equal(none.exitStatus(), null, 'an unreachable server is retried');
});

test('reconnects by itself after the server restarts', async () => {
  const first = await startServer();
  const t = await startAdmin(['--url', first.url]);
  const a = await station('W1ABC', first.port);
  a.chat('hello');
  await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);
  // Let the old server's uptime pass the new one's, so the restart is visible in the counters.
  await t.waitForScreen(/Uptime\s+(?:[3-9]|\d\d)s/);
  await first.proc.stop('SIGTERM');
  await t.waitForScreen(/UNREACHABLE: .*retrying in/);
  const second = await startServer([], { port: first.port, statsPort: first.statsPort });
  await t.waitForScreen(/● CONNECTED/, 15_000);
  await t.waitForScreen(/server restarted: counters start again from zero/);
  a.chat('back again');
  const screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);
  assert.match(screen, /Stations \(1\)/);
  await second.proc.stop();
});

test('hundreds of stations: the table scrolls, sorts by a key, and keeps the selection', async () => {
  const srv = await startServer();
  const t = await startAdmin(['--url', srv.url]);
  const calls = Array.from({ length: 200 }, (_, i) => `K${String(i).padStart(3, '0')}AB`);
  const stations = [];
  for (const c of calls) stations.push(await station(c, srv.port));
  await rollCall(stations, srv.url);
  let screen = await t.waitForScreen(/Stations \(200\)/, 20_000);
  assert.ok(rowOf(screen, 'K000AB'));
  assert.equal(rowOf(screen, 'K199AB'), undefined, 'off screen until scrolled');
  t.sendKeys('End');
  screen = await t.waitForScreen((s) => rowOf(s, 'K199AB') !== undefined);
  assert.equal(rowOf(screen, 'K000AB'), undefined);
  t.sendKeys('Up', 'Up');
  // Reversed, the selected station (K197AB) stays selected: the kick dialog names it.
  t.sendKeys('r');
  screen = await t.waitForScreen(/CALLSIGN▼/);
  assert.ok(rowOf(screen, 'K199AB'), 'the top of the reversed list');
  t.sendKeys('k');
  await t.waitForScreen(/Kick K197AB\?/);
  t.sendKeys('Escape');
  await t.waitForScreen(/Kick K197AB: cancelled/);
  t.sendKeys('Home');
  t.sendKeys('s');
  screen = await t.waitForScreen(/ENDPOINT▼/);
  assert.match(screen.split('\n')[1]!, /ENDPOINT▼/);
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});

test('the log shows hijack refusals and endpoint changes; the screen survives a resize', async () => {
  const srv = await startServer(['--hijack-holddown', '2']);
  const t = await startAdmin(['--url', srv.url]);
  const a = await station('W1ABC', srv.port);
  a.chat('hello');
  await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);
  // The same callsign from another socket while the first is active: refused …
  const thief = await station('W1ABC', srv.port);
  thief.chat('it is me, honest');
  let screen = await t.waitForScreen(new RegExp(`x W1ABC refused from 127\\.0\\.0\\.1:${thief.port}: held by 127\\.0\\.0\\.1:${a.port}`));
  assert.match(rowOf(screen, 'W1ABC')!, new RegExp(`127\\.0\\.0\\.1:${a.port}\\s`));
  await t.waitForScreen(/Hijacks refused 1/);
  // … but after the hold-down the station may move (a NAT rebinding, a new laptop).
  // The thief keeps trying; once the hold-down has passed the server lets it move.
  const retry = setInterval(() => thief.chat('moved'), 300);
  try {
    screen = await t.waitForScreen(new RegExp(`~ W1ABC moved 127\\.0\\.0\\.1:${a.port} → 127\\.0\\.0\\.1:${thief.port}`), 15_000);
  } finally {
    clearInterval(retry);
  }
  await t.waitForScreen((s) => new RegExp(`127\\.0\\.0\\.1:${thief.port}\\s`).test(rowOf(s, 'W1ABC') ?? ''));

  // An 80×24 SSH window: the stacked layout without graphs, every table column still there.
  t.resize(80, 24);
  screen = await t.waitForScreen((s) => /CALLSIGN▲.*TIMEOUT/.test(s) && rowOf(s, 'W1ABC') !== undefined && !/Traffic\/s/.test(s) && /Events/.test(s));
  assert.match(rowOf(screen, 'W1ABC')!, /idle\s+\d+\s+[\d.]+\s+\d+\S* ago\s+\S+\s*.$/);
  assert.ok(screen.split('\n').every((l) => [...l].length <= 80));
  t.resize(160, 50);
  // The thief's retries during the hold-down were refusals too: at least one.
  await t.waitForScreen((s) => /Hijacks refused [1-9]/.test(s) && /Errors\/s/.test(s));
  assert.equal(t.exitStatus(), null);
});

test('SIGTERM (and a dropped SSH session, SIGHUP) end the dashboard cleanly', async () => {
  const srv = await startServer();
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    const t = await startAdmin(['--url', srv.url]);
    const pid = Number(execFileSync('tmux', ['-L', t.socket, 'display-message', '-p', '-t', t.target, '#{pane_pid}'], { encoding: 'utf8' }).trim());
    process.kill(pid, signal);
    assert.equal(await t.waitForExit(), 0, signal);
    assert.doesNotMatch(t.capture(), /Stations \(/, 'the terminal is given back (alternate screen left)');
  }
});
