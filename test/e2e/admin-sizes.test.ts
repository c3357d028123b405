import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, freeUdpPort, repoRoot } from '../helpers/paths.js';
import { KEY_TABLE, footerText } from '../../src/admin/keys.js';
import { ANNOUNCE_MAX_CHARS } from '../../src/protocol/ext.js';
import { onCleanup, rowOf, startServer, station } from './admin-harness.js';

/**
 * `opv admin` at the sizes sysops use, against a real server with two rooms, a keyed
 * station (a stuck-PTT alert) and the kernel's socket counters: what is on screen.
 *
 * Text screenshots of 80×24, 100×30 and 160×50 live in test/snapshots/admin/; the test
 * compares their structure (panel borders and where they sit, the key line), not the
 * numbers. After a deliberate change of the layout, regenerate them with
 *   npm run build && OPV_UPDATE_SNAPSHOTS=1 node scripts/run-tests.mjs admin-sizes
 */

const TOKEN = 'club-secret';
const SNAPSHOTS = path.join(repoRoot, 'test', 'snapshots', 'admin');
const UPDATE = process.env.OPV_UPDATE_SNAPSHOTS === '1';

/** Starting small, then resized through the rest (so each layout is also reached by a resize). */
const SIZES: [number, number][] = [
  [80, 24],
  [100, 30],
  [132, 40],
  [132, 50],
  [160, 50],
];
const SNAPSHOT_SIZES = new Set(['80x24', '100x30', '160x50']);

const lines = (screen: string): string[] => screen.replace(/\n$/, '').split('\n');
/** The last non-empty line: the keys. */
const keyLine = (screen: string): string => lines(screen).filter((l) => l.trim() !== '').pop() ?? '';

/**
 * The screen's structure: every character but the box-drawing ones blanked, so panel
 * borders and their places compare while figures, times and ports may change.
 */
function structure(screen: string): string {
  return lines(screen)
    .map((l) => [...l].map((c) => (/[─│┌┐└┘]/.test(c) ? c : ' ')).join('').trimEnd())
    .join('\n');
}

function checkSnapshot(name: string, screen: string): void {
  const file = path.join(SNAPSHOTS, `${name}.txt`);
  if (UPDATE || !existsSync(file)) {
    assert.ok(UPDATE, `no snapshot ${file}: regenerate with OPV_UPDATE_SNAPSHOTS=1 (see the top of this file)`);
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, screen);
    return;
  }
  assert.equal(structure(screen), structure(readFileSync(file, 'utf8')), `the layout at ${name} differs from ${file} (regenerate if deliberate)`);
}

test('opv admin at 80×24 … 160×50: figures, headers, keys and alerts on screen, nothing cut; help lists every key', async () => {
  const netPort = await freeUdpPort();
  const srv = await startServer(['--room', `NET:${netPort}`, '--stats-token', TOKEN, '--alert-stuck-ptt', '1', '--alert-clear', '3600']);
  const [w0, h0] = SIZES[0]!;
  const t = new TmuxSession([opvBin, 'admin', '--url', srv.url, '--token', TOKEN], { width: w0, height: h0 });
  onCleanup(() => t.kill());
  await t.waitForScreen(/● CONNECTED/, 20_000);
  const a = await station('W1ABC', srv.port);
  const b = await station('VE3XYZ', netPort);
  b.chat('in the net');
  // Keyed and never released (voice keeps coming): the server raises a stuck-PTT alert after 1 s.
  a.control('PTT_START');
  const keyed = setInterval(() => a.voice(), 200);
  onCleanup(() => clearInterval(keyed));

  for (const [width, height] of SIZES) {
    const name = `${width}x${height}`;
    if (width !== w0 || height !== h0) t.resize(width, height);
    // Steady: the same layout on two looks in a row, so a redraw caught halfway (the new
    // layout on the left, the old one still on the right) is not judged.
    let previous = '';
    const steady = (s: string): boolean => {
      const same = structure(s) === previous;
      previous = structure(s);
      return same;
    };
    const screen = await t.waitForScreen(
      (s) =>
        steady(s) &&
        lines(s)[0]!.length === width &&
        keyLine(s) === footerText(width) &&
        rowOf(s, 'W1ABC') !== undefined &&
        rowOf(s, 'VE3XYZ') !== undefined &&
        /⚠ 1 alert/.test(s) &&
        /W1ABC keyed for \d+ s/.test(s) &&
        /NET:\d+ +1 +0/.test(s),
      20_000,
    );
    const rows = lines(screen);
    assert.equal(rows.length, height, name);
    for (const l of rows) assert.ok([...l].length <= width, `${name}: a line wider than the terminal:\n${l}`);
    assert.doesNotMatch(screen, /…/, `${name}: something cut:\n${screen}`);
    // The keys: all of them, or the most important ones and the way to the rest.
    const keys = keyLine(screen);
    assert.ok(KEY_TABLE.filter((k) => k.context === 'main').every((k) => keys.includes(k.short)) || keys.includes('? help') || keys.includes('?/F1 help'), `${name}: ${keys}`);
    assert.match(keys, /q quit/);
    assert.match(keys, /a announce/);
    // Every panel has its title on its border.
    for (const title of ['Stations', 'Server', 'Events']) assert.match(screen, new RegExp(`┌─ ${title}`), `${name}: ${title}\n${screen}`);
    // Every table has its header; the per-room rows sit under theirs.
    assert.match(screen, /CALLSIGN▲ +ENDPOINT +ROOM +STATE +FRAMES +KBIT\/S +HEARD +TIMEOUT/, name);
    const roomHeader = rows.findIndex((l) => /ROOM +HERE +REMOTE/.test(l));
    assert.ok(roomHeader >= 0, `${name}: no header over the rooms:\n${screen}`);
    assert.match(rows[roomHeader + 1]!, /MAIN(:\d+)? +1 +0/, name);
    assert.match(rows[roomHeader + 2]!, new RegExp(`NET:${netPort} +1 +0`), name);
    // Every figure, the kernel's drop counters and the alert.
    for (const re of [/Uptime +\d/, /Received +\d/, /Forwarded +\d/, /Decode errors +\d/, /Rate-limited +\d/, /Timed out +\d/, /Hijacks refused \d/, /Kernel drops +rcv \d+ snd \d+/, /Socket buffers +rcv [\d,]+ KiB|Buffers KiB +rcv [\d,]+/]) {
      assert.match(screen, re, `${name}: ${re}\n${screen}`);
    }
    assert.match(screen, /⚠ W1ABC keyed for \d+ s \(limit 1 s\)/);
    // Graphs only with a real plot area (none at 80×24; at 100×30 these figures need their
    // rows); on a tall terminal both; their legends stay in the top border.
    const traffic = rows.findIndex((l) => l.includes('Traffic/s'));
    if (width === 80) assert.equal(traffic, -1, `${name}: no graphs at 80×24`);
    if (height >= 40) assert.ok(traffic >= 0, `${name}: graphs\n${screen}`);
    if (traffic >= 0) {
      assert.match(rows[traffic]!, /┌─ Traffic\/s: fwd rx voice text ctl ─+┐┌─ Errors\/s: undecodable rate-limited ─+┐/, name);
      assert.doesNotMatch(rows[traffic + 1]!, /voice|ctl|rate-limited/, `${name}: a legend inside the plot`);
    }
    if (SNAPSHOT_SIZES.has(name)) checkSnapshot(name, screen);

    // The help: every key, within the screen.
    t.sendKeys('?');
    const help = await t.waitForScreen((s) => /┌─ Keys ─/.test(s) && keyLine(s) === footerText(width, 'help'));
    for (const k of KEY_TABLE) assert.ok(help.includes(k.label), `${name}: "${k.label}" missing from the help:\n${help}`);
    for (const l of lines(help)) assert.ok([...l].length <= width, `${name}: help line too wide:\n${l}`);
    t.sendKeys('Escape');
    await t.waitForScreen((s) => !/┌─ Keys ─/.test(s) && keyLine(s) === footerText(width));
  }
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});

test('opv admin at 80×24: a whole confirm question, results in full, the announce box bounded and a refused announcement kept', async () => {
  // No --stats-token: the server refuses every action, with a long reason.
  const srv = await startServer();
  const t = new TmuxSession([opvBin, 'admin', '--url', srv.url], { width: 80, height: 24 });
  onCleanup(() => t.kill());
  await t.waitForScreen(/● CONNECTED/, 20_000);
  const a = await station('W1ABC', srv.port);
  a.chat('hello');
  await t.waitForScreen((s) => rowOf(s, 'W1ABC') !== undefined);

  t.sendKeys('k');
  let screen = await t.waitForScreen(/Kick W1ABC\?/);
  // The question's three lines each on one row of the box: no ")" left alone.
  assert.match(screen, /│ *\(kept out for the kick hold-down\) *│/);
  assert.doesNotMatch(screen, /^\W*\)\W*$/m);
  assert.equal(keyLine(screen), footerText(80, 'confirm'));
  t.sendKeys('y');
  // The server's reason in full: on the message lines (wrapped) and in the events.
  const reason = 'Kick W1ABC refused: refused by the server (403): admin actions are disabled: start the server with --stats-token';
  screen = await t.waitForScreen((s) => lines(s).slice(-4).join(' ').replace(/\s+/g, ' ').includes(reason), 15_000);
  for (const l of lines(screen)) assert.ok([...l].length <= 80);

  // The announce box: its title inside its border, no more than the server accepts.
  t.sendKeys('a');
  screen = await t.waitForScreen(new RegExp(`┌─ Announce 0/${ANNOUNCE_MAX_CHARS} ─+┐`));
  assert.equal(keyLine(screen), footerText(80, 'announce'));
  t.type('x'.repeat(ANNOUNCE_MAX_CHARS + 15));
  screen = await t.waitForScreen(new RegExp(`Announce ${ANNOUNCE_MAX_CHARS}/${ANNOUNCE_MAX_CHARS} \\(full\\)`), 15_000);
  assert.equal((screen.match(/x/g) ?? []).length, ANNOUNCE_MAX_CHARS, 'the box took no more than the server accepts');
  t.sendKeys('C-u');
  await t.waitForScreen(new RegExp(`Announce 0/${ANNOUNCE_MAX_CHARS} `));
  t.type('QST club net tonight at 2000');
  await t.waitForScreen(/QST club net tonight at 2000/);
  t.sendKeys('Enter');
  // Refused: said in full, and the text waits for a retry.
  screen = await t.waitForScreen((s) => /Announcement refused: admin actions are disabled/.test(s) && !/┌─ Announce/.test(s), 15_000);
  assert.match(lines(screen).slice(-4).join(' ').replace(/\s+/g, ' '), /\(the text is kept: a to retry\)/);
  t.sendKeys('a');
  await t.waitForScreen((s) => /┌─ Announce 28\//.test(s) && /QST club net tonight at 2000/.test(s));
  t.sendKeys('Escape');
  await t.waitForScreen(/Announcement: not sent \(the text is kept: a to edit it\)/);
  t.sendKeys('q');
  assert.equal(await t.waitForExit(), 0);
});
