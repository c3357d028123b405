import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../helpers/eventually.js';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { startServer, startStation } from './support/stations.js';

/** What another station sends to take over an operator's terminal. */
export const HOSTILE = [
  '\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31mred\x1b[0m',
  'QRZ?\r📨 [W1AW]: Net control here, please all QSY to 146.52',
  'first\n📨 [W1AW]: second line\u009b2J{red-fg}tag{/}',
];

test('line mode: remote escape sequences and forged lines are shown inert, live, in /history and in the log', async (t) => {
  const srv = await startServer([], t);
  const logDir = mkdtempSync(path.join(tmpdir(), 'opv-log-'));
  const logFile = path.join(logDir, 'debug.log');
  const a = await startStation('W1ABC', srv.port, ['--no-audio', '--debug', '--debug-file', logFile], { t });
  await a.proc.waitForLine(/🔗 connected/);
  const sim = new SimStation('VE3XYZ', { host: '127.0.0.1', port: srv.port });
  t.after(() => sim.close());
  await sim.bound;
  for (const line of HOSTILE) sim.chat(line);
  await a.proc.waitForLine(/second line/);
  a.proc.sendLine('/history 10');
  await a.proc.waitForLine(/^#\d+ .*⬅ VE3XYZ: first␤/);
  const out = a.proc.output;
  assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no control character from the remote reaches stdout');
  // Every line that looks like a received message names the real sender.
  for (const l of a.proc.lines.filter((x) => /^📨 \[/.test(x))) assert.match(l, /^📨 \[VE3XYZ\]: /);
  assert.equal(a.proc.count(/^📨 \[W1AW\]/), 0);
  assert.ok(a.proc.lines.includes('📨 [VE3XYZ]: ␛[2J␛[H␛]0;pwned␇␛[31mred␛[0m'), out);
  assert.ok(a.proc.lines.includes('📨 [VE3XYZ]: QRZ?␍📨 [W1AW]: Net control here, please all QSY to 146.52'), out);
  assert.ok(a.proc.lines.includes('📨 [VE3XYZ]: first␤📨 [W1AW]: second line\ufffd2J{red-fg}tag{/}'), out);
  // Stored as received: only the display is neutralised.
  // History is written in the background: wait until the index has every line.
  const stored = (): (string | undefined)[] => {
    const index = path.join(a.dataDir, 'index.jsonl');
    if (!existsSync(index)) return [];
    return readFileSync(index, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text?: string }).text);
  };
  await eventually(() => HOSTILE.every((t) => stored().includes(t)), 'the history index holds every hostile line as received');
  // The diagnostic log (on with --debug, to the named file) is inert too.
  const logText = readFileSync(logFile, 'utf8');
  assert.match(logText, /opv:station:chat in #\d+ VE3XYZ: QRZ\?␍📨/);
  assert.doesNotMatch(logText, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);
});

test('line mode at the edges: bad callsigns, a missing --audio-in, PTT keys, commands in order, QUIT, exports', async (t) => {
  const bad: [string[], RegExp][] = [
    [['station', '..', '-i', '127.0.0.1'], /callsign "\.\." must contain a letter or a digit/],
    [['station', '-', '-i', '127.0.0.1'], /callsign "-" must contain a letter or a digit/],
    [['station', 'W1ABCDEFGHIJ', '-i', '127.0.0.1'], /callsign "W1ABCDEFGHIJ" is too long: at most 9 characters/],
    [['station', 'W1ABC', '-i', '127.0.0.1', '--no-tui', '--audio-in', 'missing.wav'], /--audio-in missing\.wav: no such file/],
    [['station', 'W1ABC', '-i', '127.0.0.1', '--ptt-key', 'banana'], /PTT key "banana" is not a key opv can use; use C-t .* or F3–F12/],
    [['station', 'W1ABC', '-i', '127.0.0.1', '--ptt-key', 'space'], /PTT key "space" would key the transmitter on every word/],
  ];
  for (const [args, re] of bad) {
    const p = new Proc(opvBin, args);
    assert.equal(await p.wait(), 1, p.output);
    assert.match(p.output, re);
    assert.equal(p.output.trim().split('\n').filter((l) => !/run with --help/.test(l)).length, 1, `one line:\n${p.output}`);
  }

  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  b.proc.sendLine('a chat line to export');
  const got = await a.proc.waitForLine(/^📨 \[VE3XYZ\]: a chat line to export$/);
  assert.ok(got);
  a.proc.sendLine('/history 1');
  const id = Number(/^#(\d+) /.exec(await a.proc.waitForLine(/^#\d+ .*VE3XYZ: a chat line/))![1]);
  const from = a.proc.lines.length;
  // All at once: results must come back in this order.
  a.proc.child.stdin.write(
    [`/export ${id}`, '/history abc', `/play ${id}`, `/export ${id} /nonexistent-dir/x.txt`, `/export ${id} chat.wav`, 'status', 'QUIT', ''].join('\n'),
  );
  assert.equal(await a.proc.wait(), 0);
  const rest = a.proc.lines.slice(from);
  const exportsDir = path.join(process.env.XDG_DATA_HOME || path.join(a.home, '.local', 'share'), 'opv', 'exports');
  const expectOrder = [
    new RegExp(`^💾 #${id} written to ${exportsDir.replace(/[.]/g, '\\.')}/opv-VE3XYZ-${id}\\.txt$`),
    /^❌ \/history abc: N must be a whole number/,
    new RegExp(`^❌ #${id} is a chat line, not a transmission: nothing to play$`),
    /^❌ cannot write \/nonexistent-dir\/x\.txt: the directory does not exist$/,
    new RegExp(`^❌ #${id} is a chat line: export it to a \\.txt file$`),
    /^📊 W1ABC → /,
    /^ {3}frames: \d+ sent, \d+ invalid, \d+ decode errors$/,
    /^ {3}voice: \d+ Opus corrupt, \d+ misfit, \d+ lost, \d+ late$/,
    /^👋 W1ABC signing off: BYE sent, 73$/,
  ];
  let at = 0;
  for (const re of expectOrder) {
    const i = rest.findIndex((l, k) => k >= at && re.test(l));
    assert.ok(i >= 0, `${re} after line ${at} in:\n${rest.join('\n')}`);
    at = i + 1;
  }
  assert.equal(rest.filter((l) => /playing/.test(l)).length, 0);
  const file = path.join(exportsDir, `opv-VE3XYZ-${id}.txt`);
  assert.match(readFileSync(file, 'utf8'), /^\S+ from VE3XYZ: a chat line to export\n$/);
  assert.ok(!existsSync('/nonexistent-dir'));

  // SIGINT (Ctrl+C without a terminal): BYE and the goodbye line.
  assert.equal(await b.proc.stop('SIGINT'), 0);
  assert.match(b.proc.output, /👋 VE3XYZ signing off: BYE sent, 73$/);
  await srv.proc.waitForLine(/STATION LEFT: VE3XYZ .*\(BYE\)/);
});

test('/status shows the receive counters; an old settings file with PTT "space" is saved as the key in effect', async (t) => {
  const { createSocket } = await import('node:dgram');
  const { buildHeader, encodeCallsign } = await import('../../src/protocol/index.js');
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  // Junk straight at the station's port: a short datagram, and a frame whose payload is no message.
  const sock = createSocket('udp4');
  const bad = new Uint8Array(134);
  bad.set(buildHeader(encodeCallsign('VE3XYZ')), 0);
  bad.set([0x03, 0x45, 0x00, 0x00, 0x02, 0x01, 0x00], 12);
  await new Promise<void>((r) => sock.send(Buffer.from('not a frame'), a.listenPort, '127.0.0.1', () => r()));
  await new Promise<void>((r) => sock.send(bad, a.listenPort, '127.0.0.1', () => r()));
  sock.close();
  let line = '';
  await eventually(
    async () => {
      const from = a.proc.lines.length;
      a.proc.sendLine('/status');
      line = await a.proc.waitForLine(/^ {3}frames: \d+ sent, \d+ invalid, \d+ decode errors$/, 10_000, from);
      return / [1-9]\d* invalid, [1-9]\d* decode/.test(line);
    },
    () => `/status counts the junk (last: ${line})`,
    5000,
    100,
  );
  assert.match(line, /frames: \d+ sent, 1 invalid, [1-9]\d* decode errors/);
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);

  const { makeNullAlsaHome, alsaEnv } = await import('../helpers/alsa.js');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const home = makeNullAlsaHome();
  const conf = path.join(home, '.config', 'opv');
  mkdirSync(conf, { recursive: true });
  writeFileSync(path.join(conf, 'station.json'), JSON.stringify({ callsign: 'W1ABC', server: 'club.example.org', ptt: { key: 'space' } }));
  const save = new Proc(opvBin, ['station', '--save-config'], { env: { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config') } });
  assert.equal(await save.wait(), 0, save.output);
  const saved = JSON.parse(readFileSync(path.join(conf, 'station.json'), 'utf8')) as { ptt: { key: string } };
  assert.equal(saved.ptt.key, 'C-t');
  const f5 = new Proc(opvBin, ['station', '--ptt-key', 'F5', '--save-config'], { env: { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config') } });
  assert.equal(await f5.wait(), 0, f5.output);
  assert.equal((JSON.parse(readFileSync(path.join(conf, 'station.json'), 'utf8')) as { ptt: { key: string } }).ptt.key, 'f5');
});

test('line mode on a terminal: Ctrl+C ends with a newline and the goodbye line', async (t) => {
  const { TmuxSession } = await import('../helpers/tmux.js');
  const { makeNullAlsaHome } = await import('../helpers/alsa.js');
  const { freeUdpPort } = await import('../helpers/paths.js');
  const srv = await startServer([], t);
  const home = makeNullAlsaHome();
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', String(await freeUdpPort()), '--data-dir', mkdtempSync(path.join(tmpdir(), 'opv-ctrlc-')), '--no-audio', '--no-tui'],
    { width: 80, height: 24, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/🔗 connected/);
  tmux.type('half a line');
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
  const screen = tmux.capture();
  assert.match(screen, /\[W1ABC\] Chat> half a line\s*(\^C)?\n👋 W1ABC signing off: BYE sent, 73/);
  await srv.proc.waitForLine(/STATION LEFT: W1ABC .*\(BYE\)/);
});
