import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession, sgrForegrounds } from '../helpers/tmux.js';
import { opvBin, freeUdpPort } from '../helpers/paths.js';
import { makeNoSoundHome, makeNullAlsaHome } from '../helpers/alsa.js';
import { SimStation } from '../helpers/sim-station.js';
import { cellWidth } from '../../src/util/cell-width.js';
import { startServer, startStation } from './support/stations.js';

const HOSTILE = [
  '\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31mred\x1b[0m',
  'QRZ?\r📨 [W1AW]: Net control here, please all QSY to 146.52',
  'first\n10:00:00 ◀ W1AW: forged entry\u009b2J{red-fg}tag{/}',
];
const WIDE = 'wide 📡 🇺🇸 🇩🇪 日本語テキスト ❤️ 🎙 ✅ end';
const LONG131 = Array.from({ length: 26 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' ') + ' done';
const LONG5000 = Array.from({ length: 1000 }, (_, i) => `x${String(i).padStart(3, '0')}`).join(' ').slice(0, 4990) + ' END5';


/** Rows of the panels must line up: every row as wide as the terminal, the borders in one column. */
function assertAligned(screen: string, width: number): void {
  const rows = screen.split('\n').filter((r) => r.includes('│') || r.includes('┌'));
  for (const r of rows) assert.equal(cellWidth(r), width, `row is ${cellWidth(r)} cells, not ${width}:\n${r}\n\n${screen}`);
  const panelRows = rows.filter((r) => r.includes('││') || r.includes('┐┌'));
  const cols = new Set(panelRows.map((r) => cellWidth(r.slice(0, Math.max(r.indexOf('││'), r.indexOf('┐┌'))))));
  assert.equal(cols.size, 1, `history/heard border moves between rows:\n${screen}`);
}

async function tuiStation(t: TestContext, serverPort: number, size: { width: number; height: number }, opts: { term?: string; home?: string; extra?: string[] } = {}) {
  const home = opts.home ?? makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-'));
  const xdgData = mkdtempSync(path.join(tmpdir(), 'opv-xdg-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(serverPort), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, ...(opts.extra ?? ['--no-audio'])],
    { ...size, term: opts.term, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: xdgData } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/W1ABC → 127\.0\.0\.1:\d+ +connected/);
  return { tmux, dataDir, xdgData };
}

for (const size of [
  { width: 80, height: 24, term: 'screen' },
  { width: 200, height: 50, term: 'tmux-256color' },
]) {
  test(`full-screen UI at ${size.width}×${size.height} (${size.term}): remote escapes inert, wide characters and long messages laid out, visible colours`, async (t) => {
    const srv = await startServer([], t);
    const { tmux } = await tuiStation(t, srv.port, size, { term: size.term });
    const sim = new SimStation('VE3XYZ', { host: '127.0.0.1', port: srv.port });
    t.after(() => sim.close());
    await sim.bound;
    for (const line of HOSTILE) sim.chat(line);
    const screen = await tmux.waitForScreen(/VE3XYZ: first␤10:00:00/);
    assert.match(screen, /VE3XYZ: ␛\[2J␛\[H␛\]0;pwned␇␛\[31mred␛\[0m/);
    assert.match(screen, /VE3XYZ: QRZ\?␍📨 \[W1AW\]: Net/);
    assert.doesNotMatch(screen, /^│\d\d:\d\d:\d\d ◀ W1AW/m, 'no forged history entry');
    assert.notEqual(tmux.paneTitle(), 'pwned');
    assert.match(tmux.captureEscapes(), /␛\[31mred/, 'the remote colour code is shown, not applied');
    assert.match(screen, /\{red-fg\}tag\{\/\}/, 'blessed tags in remote text are shown as text');
    assertAligned(screen, size.width);

    sim.chat(WIDE);
    sim.chat(LONG131);
    assertAligned(await tmux.waitForScreen(/w025 done/), size.width);
    const wide = tmux.capture();
    // Whole at 200 columns; wrapped at 80, but nothing lost.
    // Drawn without the variation selector of ❤️ (cellSafe): terminals disagree on its width.
    const shown = WIDE.replace(/\ufe0f/g, '');
    if (size.width >= 200) assert.ok(wide.includes(shown), `the wide message in full:\n${wide}`);
    for (const w of shown.split(' ')) assert.ok(wide.includes(w), `${w} of the wide message is visible:\n${wide}`);
    for (const w of LONG131.split(' ')) assert.ok(wide.includes(w), `${w} of the long message is visible:\n${wide}`);

    // 8/16-colour terminals: nothing drawn in black or "grey" (SGR 30/90, colour 0/8).
    const fgs = sgrForegrounds(tmux.captureEscapes());
    assert.ok(fgs.includes('36') && fgs.includes('37'), `the capture carries colours: ${fgs.join(' ')}`);
    for (const bad of ['30', '90', '38;5;0', '38;5;8']) assert.ok(!fgs.includes(bad), `foreground ${bad} used: ${fgs.join(' ')}`);

    // A 5000-character line: cut in the history, whole after Enter.
    sim.chat(LONG5000);
    await tmux.waitForScreen(/… Enter: all/);
    assert.doesNotMatch(tmux.capture(), /END5/);
    tmux.sendKeys('Tab');
    tmux.sendKeys('Enter');
    await tmux.waitForScreen(/#\d+ \d\d:\d\d:\d\d from VE3XYZ/);
    for (let i = 0; i < 80 && !/END5/.test(tmux.capture()); i++) {
      tmux.sendKeys('PageDown');
      // Paced on purpose: one page at a time, each drawn before the next key and the check.
      await new Promise((r) => setTimeout(r, 50));
    }
    await tmux.waitForScreen(/x997 x998 END5|END5/);
    tmux.sendKeys('Escape');
    await tmux.waitForScreen((s) => !/from VE3XYZ/.test(s));
    assertAligned(tmux.capture(), size.width);
    tmux.sendKeys('C-c');
    assert.equal(await tmux.waitForExit(15_000), 0);
  });
}

test('chat line editing, sent-line recall, chat export to the XDG directory, notices that mean something and go away', async (t) => {
  const srv = await startServer([], t);
  // No sound card: the notice says what it means, not what arecord said.
  const { tmux, xdgData } = await tuiStation(t, srv.port, { width: 80, height: 24 }, { home: makeNoSoundHome(), extra: [] });
  await tmux.waitForScreen(/no sound card: chat works, PTT disabled/);
  assert.doesNotMatch(tmux.capture(), /arecord|Assertion|pcm/);

  tmux.type('hello wide world');
  tmux.sendKeys('C-w');
  await tmux.waitForScreen(/│hello wide {20,}│/);
  tmux.sendKeys('C-a');
  tmux.type('X');
  tmux.sendKeys('C-e');
  tmux.type('Y');
  await tmux.waitForScreen(/│Xhello wide Y {20,}│/);
  tmux.sendKeys('Left', 'BSpace');
  await tmux.waitForScreen(/│Xhello wideY {20,}│/);
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(/▶ W1ABC: Xhello wideY/);
  tmux.type('draft');
  tmux.sendKeys('Up');
  await tmux.waitForScreen(/│Xhello wideY {20,}│/);
  tmux.sendKeys('Down');
  await tmux.waitForScreen(/│draft {20,}│/);
  tmux.sendKeys('C-u');
  await tmux.waitForScreen(/│ {78}│\n└─+┘\n.*C-t PTT/);

  // A station leaves: the notice goes as soon as it is heard again.
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  b.proc.sendLine('first words');
  await tmux.waitForScreen(/VE3XYZ: first words/);
  b.proc.sendLine('quit');
  await b.proc.wait();
  await tmux.waitForScreen(/VE3XYZ left the conference/);
  const b2 = await startStation('VE3XYZ', srv.port, ['--no-audio'], { dataDir: b.dataDir, home: b.home, t });
  b2.proc.sendLine('back again');
  await tmux.waitForScreen((s) => /VE3XYZ: back again/.test(s) && !/left the conference/.test(s));

  // e on a chat line exports its text; a bare name goes to $XDG_DATA_HOME/opv/exports.
  tmux.sendKeys('Tab');
  tmux.sendKeys('e');
  await tmux.waitForScreen(/Export #\d+ to file \(\.txt\)/);
  tmux.sendKeys('Enter');
  const dir = path.join(xdgData, 'opv', 'exports');
  const shown = await tmux.waitForScreen(new RegExp(`#(\\d+) written to ${dir.replace(/[.]/g, '\\.')}/opv-VE3XYZ-\\d+\\.txt`));
  const id = /#(\d+) written to/.exec(shown)![1];
  const file = path.join(dir, `opv-VE3XYZ-${id}.txt`);
  assert.ok(existsSync(file));
  assert.match(readFileSync(file, 'utf8'), /from VE3XYZ: back again\n$/);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});

test('the diagnostic log (DEBUG=opv:*) never writes into the full-screen UI: it goes to the state directory; --ptt-key f5 keys the transmitter', async (t) => {
  const { speechWav } = await import('../helpers/paths.js');
  const srv = await startServer([], t);
  const home = makeNullAlsaHome();
  const state = mkdtempSync(path.join(tmpdir(), 'opv-state-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--audio-in', speechWav, '--audio-out', path.join(dataDir, 'out.wav'), '--ptt-key', 'f5'],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_STATE_HOME: state, DEBUG: 'opv:*' } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/connected \d+ ms/);
  await tmux.waitForScreen(/F5 PTT +Enter send/);
  tmux.sendKeys('F5');
  await tmux.waitForScreen(/● TRANSMITTING/);
  tmux.sendKeys('F5');
  await tmux.waitForScreen(/idle — press the PTT key/);
  tmux.sendKeys('C-o');
  const status = await tmux.waitForScreen(/─ Status ─/);
  assert.match(status, /frames: \d+ sent, \d+ invalid, \d+ decode errors/);
  assert.match(status, /diagnostic log: .*opv-state-.*\/opv\/station-debug\.log/);
  tmux.sendKeys('Escape');
  await tmux.waitForScreen((s) => !/─ Status ─/.test(s));
  assert.doesNotMatch(tmux.capture(), /opv:(link|ptt|chat|tui)/, 'nothing of the log on the screen');
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
  const logText = readFileSync(path.join(state, 'opv', 'station-debug.log'), 'utf8');
  assert.match(logText, /opv:station:link connected rtt=\d+ms/);
  assert.match(logText, /opv:station:ptt W1ABC start \(local\)/);
  assert.doesNotMatch(logText, /\x1b\[/, 'no colour codes in the file');
});
