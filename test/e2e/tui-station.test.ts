import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, repoRoot, speechWav, freeUdpPort } from '../helpers/paths.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation } from './support/stations.js';

const SNAP_DIR = path.join(repoRoot, 'test', 'snapshots', 'tui');

/** Times, round trips, levels and entry numbers change run to run; the layout must not. */
function normalise(screen: string): string {
  return screen
    .replace(/\/tmp\/[^\s│]+/g, '<tmp>')
    .replace(/\d+/g, '9')
    .replace(/[█░]+/g, '#')
    .replace(/ +/g, ' ')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

function checkSnapshot(name: string, screen: string): void {
  const file = path.join(SNAP_DIR, `${name}.txt`);
  const got = normalise(screen);
  if (process.env.OPV_UPDATE_SNAPSHOTS || !existsSync(file)) writeFileSync(file, got + '\n');
  assert.equal(got, readFileSync(file, 'utf8').replace(/\n$/, ''), `screen "${name}" changed; review it and run with OPV_UPDATE_SNAPSHOTS=1`);
}

/** The header and the three rows of the TX/RX banner: the parts of the screen PTT changes. */
function pttRows(screen: string): string {
  const rows = screen.split('\n');
  const mark = rows.findIndex((r) => /TRANSMITTING|RECEIVING|idle — press/.test(r));
  assert.ok(mark > 0, `no PTT banner on the screen:\n${screen}`);
  return [rows[0]!, ...rows.slice(mark - 1, mark + 2)].join('\n');
}

/** Only the help box, cut out of whatever the panels behind it show. */
function helpBox(screen: string): string {
  const rows = screen.split('\n');
  const top = rows.findIndex((r, i) => /┌─.*─┐/.test(r) && /opv station — keys/.test(rows[i + 1] ?? ''));
  assert.ok(top >= 0, `no help box on the screen:\n${screen}`);
  const m = /┌─.*─┐/.exec(rows[top]!)!;
  const box: string[] = [];
  for (let i = top; i < rows.length; i++) {
    const row = rows[i]!.slice(m.index, m.index + m[0].length);
    box.push(row);
    if (row.startsWith('└')) break;
  }
  return box.join('\n');
}

/** With OPV_TUI_CAPTURE_DIR set, keeps the raw screen (times and all) for documentation. */
function keepRaw(name: string, screen: string): void {
  const dir = process.env.OPV_TUI_CAPTURE_DIR;
  if (dir) writeFileSync(path.join(dir, `${name}.txt`), screen.split('\n').map((l) => l.trimEnd()).join('\n') + '\n');
}

test('full-screen station: chat, PTT banner, RX indicator, replay, resize, clean exit', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tui-'));
  const listen = await freeUdpPort();
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(listen), '--data-dir', dataDir, '--audio-in', speechWav, '--audio-out', path.join(dataDir, 'out.wav'), '--ptt-timeout', '3'],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/W1ABC → 127\.0\.0\.1:\d+ +connected \d+ ms/);
  await tmux.waitForScreen(/C-t PTT +Enter send/);

  tmux.type('hello from the TUI');
  tmux.sendKeys('Enter');
  await b.proc.waitForLine(/📨 \[W1ABC\]: hello from the TUI/);
  b.proc.sendLine('VE3XYZ copies');
  const idle = await tmux.waitForScreen(/VE3XYZ: VE3XYZ copies/);
  assert.match(idle, /W1ABC: hello from the TUI/);
  assert.match(idle, /Stations[\s\S]*VE3XYZ/);
  assert.match(idle, /idle — press the PTT key/);
  checkSnapshot('main-idle', idle);

  // PTT: the banner, then the time-out ends the transmission with a notice.
  tmux.sendKeys('C-t');
  const tx = await tmux.waitForScreen(/● TRANSMITTING +0:0\d +mic/);
  assert.match(tx.split('\n')[0]!, /\bTX\b/);
  checkSnapshot('tx-banner', pttRows(tx));
  keepRaw('tx', tx);
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  tmux.type('said while keyed');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(/Chat — on air: sent when you unkey \(1 buffered\)[\s\S]*1 buffered/);
  await tmux.waitForScreen(/transmission ended by the 3 s time-out/, 8000);
  await b.proc.waitForLine(/🔇 W1ABC: PTT was released/);
  await b.proc.waitForLine(/📨 \[W1ABC\]: said while keyed/);
  const afterTimeout = await tmux.waitForScreen(/idle — press/);
  checkSnapshot('after-timeout', afterTimeout);
  keepRaw('main', afterTimeout);

  // Another station talks: the RX indicator names it.
  b.proc.sendLine('/ptt on');
  const rx = await tmux.waitForScreen(/◀ RECEIVING +VE3XYZ/, 5000);
  assert.match(rx.split('\n')[0]!, /\bRX\b/);
  checkSnapshot('rx-indicator', pttRows(rx));
  keepRaw('rx', rx);
  await tmux.waitForScreen(/VE3XYZ ♪ \d+\.\d s +#(\d+)/, 15_000);
  const entry = /VE3XYZ ♪ \d+\.\d s +#(\d+)/.exec(tmux.capture())![1]!;

  // Select the transmission in the history and replay it.
  tmux.sendKeys('Tab');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(new RegExp(`replaying #${entry} VE3XYZ`));
  await tmux.waitForScreen(new RegExp(`replay of #${entry} done`), 15_000);

  // Export the selected entry: the prompt offers a name; replace it with ours.
  tmux.sendKeys('e');
  await tmux.waitForScreen(new RegExp(`Export #${entry} to file`));
  for (let i = 0; i < 40; i++) tmux.sendKeys('BSpace');
  const exported = path.join(dataDir, 'exported.wav');
  tmux.type(exported);
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(new RegExp(`#${entry} written to`), 15_000);
  assert.equal(readFileSync(exported).subarray(0, 4).toString('latin1'), 'RIFF');
  assert.ok(readFileSync(exported).length > 44 + 48000 * 2, 'at least a second of audio');

  // Resize: the layout follows the terminal.
  tmux.resize(100, 30);
  const big = await tmux.waitForScreen((s) => s.split('\n')[0]!.length > 0 && /C-t PTT/.test(s.split('\n').slice(-2).join('\n')) && s.split('\n').length >= 30);
  assert.match(big, /History/);

  tmux.sendKeys('F1');
  // The whole box, bottom border and all: a loaded machine's terminal can be caught mid-draw
  // (the key line below the box also says "C-o status").
  const wholeBox = (s: string): boolean => {
    if (!/┌─.*─┐\n.*opv station — keys/.test(s)) return false;
    const box = helpBox(s);
    return /C-o +status: link/.test(box) && box.split('\n').at(-1)!.startsWith('└');
  };
  checkSnapshot('help', helpBox(await tmux.waitForScreen(wholeBox)));
  // The commands of the chat line follow the keys, from the same table as line mode's /help.
  tmux.sendKeys('End');
  await tmux.waitForScreen(/\/who +who is on the server[\s\S]*Press any key to close/);
  // Any other key closes the help, and is not typed; the keyboard works afterwards.
  tmux.sendKeys('q');
  await tmux.waitForScreen((s) => !/opv station — keys/.test(s));
  tmux.sendKeys('Tab'); // back from the history (where F1 was pressed) to the chat line
  tmux.type('after help');
  await tmux.waitForScreen(/│after help {20,}│/);
  tmux.sendKeys('F1');
  await tmux.waitForScreen(/opv station — keys/);
  tmux.sendKeys('Escape');
  await tmux.waitForScreen((s) => !/opv station — keys/.test(s));
  tmux.type('!');
  await tmux.waitForScreen(/│after help! {20,}│/);

  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
  await srv.proc.waitForLine(/STATION LEFT: W1ABC .*\(BYE\)/);
  const after = tmux.capture();
  assert.doesNotMatch(after, /TRANSMITTING|History \(Tab/, 'the terminal is restored');
});

test('hold-to-talk in a terminal that speaks the kitty keyboard protocol', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-kitty-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--audio-in', speechWav, '--audio-out', path.join(dataDir, 'out.wav')],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/C-t PTT +Enter send/);
  // What kitty, WezTerm or foot answer to the support query, then a held Ctrl+T.
  tmux.type('\x1b[?1u');
  await tmux.waitForScreen(/C-t hold +Enter send/);
  await tmux.waitForScreen(/hold-to-talk: hold C-t while you speak/);
  tmux.type('\x1b[116;5u');
  await tmux.waitForScreen(/● TRANSMITTING/);
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  tmux.type('\x1b[116;5:2u\x1b[116;5:2u'); // key repeat while held changes nothing
  tmux.type('\x1b[116;5:3u');
  await tmux.waitForScreen(/idle — press the PTT key/);
  await b.proc.waitForLine(/🔇 W1ABC: PTT was released/);
  assert.equal(b.proc.count(/PTT was pressed/), 1);
  // Release events of text keys and arrows must not reach the chat line as junk.
  // (Left, pressed, moves the cursor: "c" goes before "b".)
  tmux.type('ab\x1b[97;1:3u\x1b[1;1:3A\x1b[1;1:2Dc');
  await tmux.waitForScreen(/│acb {20,}│/);
  // Ctrl+C arrives as a kitty sequence too, and still leaves cleanly.
  tmux.type('\x1b[99;5u');
  assert.equal(await tmux.waitForExit(15_000), 0);
});

test('SIGTERM leaves like Ctrl+C: BYE, status 0, the terminal given back', async (t) => {
  const srv = await startServer([], t);
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-term-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, '--no-audio'],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/connected \d+ ms/);
  // The pane runs node itself, so the pane's process is the station.
  const socketPath = (tmux as unknown as { socketPath: string }).socketPath;
  const pid = Number(execFileSync('tmux', ['-S', socketPath, 'display-message', '-p', '-t', 'opv', '#{pane_pid}'], { encoding: 'utf8' }).trim());
  assert.ok(pid > 0);
  process.kill(pid, 'SIGTERM');
  assert.equal(await tmux.waitForExit(15_000), 0);
  await srv.proc.waitForLine(/STATION LEFT: W1ABC .*\(BYE\)/);
  assert.doesNotMatch(tmux.capture(), /History \(Tab|Chat/, 'the alternate screen is left');
});
