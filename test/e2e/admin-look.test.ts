import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TmuxSession, sgrForegrounds } from '../helpers/tmux.js';
import { opvBin } from '../helpers/paths.js';
import { onCleanup, rollCall, rowOf, startServer, station } from './admin-harness.js';

function admin(args: string[], width: number, height: number, term?: string): TmuxSession {
  const t = new TmuxSession([opvBin, 'admin', ...args], { width, height, term });
  onCleanup(() => t.kill());
  return t;
}

/** Foreground colours (SGR numbers) on the screen as tmux keeps it. */

test('opv admin at 80×24: Unicode lines, every server figure and the health verdict visible, sort marks that keep the titles', async () => {
  const srv = await startServer(['-t', '3']);
  const t = admin(['--url', srv.url], 80, 24, 'screen');
  await t.waitForScreen(/● CONNECTED/, 15_000);
  const a = await station('W1ABC', srv.port);
  a.chat('hello');
  let screen = await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);
  assert.match(screen, /┌─ Stations \(1\) ─+┐/);
  assert.doesNotMatch(screen, /lqq|qqk|mqq|qqj/, 'no ACS letters in place of lines');
  for (const re of [/Uptime +\d/, /Stations +1 \(timeout 3 s\)/, /Received +\d/, /Forwarded +\d/, /Kinds +v \d+ t \d+ c \d+ d \d+/, /Decode errors \d+ \(/, /Rate-limited +\d/, /Timed out +\d+ \(/, /Hijacks refused \d/, /Health +✓ healthy/]) {
    assert.match(screen, re);
  }
  assert.ok(screen.split('\n').every((l) => [...l].length <= 80));
  // An 8-colour terminal (TERM=screen): nothing drawn in black or grey.
  const fgs = sgrForegrounds(t.captureEscapes());
  assert.ok(fgs.includes('36'), `colours captured: ${fgs.join(' ')}`);
  for (const bad of ['30', '90', '38;5;0', '38;5;8']) assert.ok(!fgs.includes(bad), `foreground ${bad} used: ${fgs.join(' ')}`);
  // Every sort key: the marked column keeps its first letters.
  const titles = ['CALLSIGN', 'ENDPOINT', 'STATE', 'FRAMES', 'KBIT/', 'HEARD', 'TIMEOU'];
  for (let i = 0; i < titles.length; i++) {
    screen = await t.waitForScreen(new RegExp(`${titles[i]!.replace('/', '\\/')}[A-Z/]*▲`));
    const header = screen.split('\n')[1]!;
    for (const title of titles) assert.ok(header.includes(title), `"${title}" in the header ${header}`);
    t.sendKeys('s');
  }
  // A station that times out shows in Timed out, still at 80×24.
  screen = await t.waitForScreen(/Timed out +1 \(/, 15_000);
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});

test('opv admin: the newest events are on screen after a resize', async () => {
  const srv = await startServer();
  const t = admin(['--url', srv.url], 160, 50);
  await t.waitForScreen(/● CONNECTED/, 15_000);
  const calls = Array.from({ length: 40 }, (_, i) => `N${String(i).padStart(2, '0')}EV`);
  const stations = [];
  for (const c of calls) stations.push(await station(c, srv.port));
  await rollCall(stations, srv.url);
  await t.waitForScreen(/N39EV joined/);
  t.resize(80, 24);
  await t.waitForScreen((s) => /N39EV joined/.test(s) && /Events/.test(s) && s.split('\n')[0]!.length <= 80);
  t.resize(120, 40);
  const last = await station('Z9LAST', srv.port);
  last.chat('last one');
  await t.waitForScreen(/Z9LAST joined/);
  t.resize(160, 50);
  await t.waitForScreen((s) => /Z9LAST joined/.test(s) && /Errors\/s/.test(s));
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});
