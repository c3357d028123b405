import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, speechWav } from '../helpers/paths.js';
import { alsaEnv, makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation } from './support/stations.js';

test('line mode: /ptt on with --ptt-timeout 2 stops at 2 s of a 7 s file, told in words', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const a = await startStation('W1ABC', srv.port, ['--audio-in', speechWav, '--no-audio', '--ptt-timeout', '2'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  a.proc.sendLine('/ptt on');
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  await a.proc.waitForLine(/❌ transmission ended by the 2 s time-out/, 6000);
  await b.proc.waitForLine(/🔇 W1ABC: PTT was released/);
  // Before: the whole file (7 s) went out. Our own record of it says how long it was.
  const rec = await a.proc.waitForLine(/^📼 #\d+ .*➡ W1ABC transmission \d+\.\d s/);
  const secs = Number(/transmission (\d+\.\d) s/.exec(rec)![1]);
  assert.ok(secs >= 1.5 && secs <= 2.6, `transmission lasted ${secs} s`);
});

test('line mode: the same table: unknown commands are not sent, //text sends /text, help lists every command', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  a.proc.sendLine('/whoami');
  await a.proc.waitForLine(/^❌ unknown command \/whoami: not sent/);
  a.proc.sendLine('/help');
  for (const c of ['/ptt', '/who', '/status', '/history', '/play', '/export', '/room', '/rooms', '/speak', '/help', '/quit, quit, exit']) await a.proc.waitForLine(new RegExp(`^  ${c.replace(/[/]/g, '\\/')}[ ,]`));
  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/PTT refused: no microphone \(--no-audio\); chat works/);
  a.proc.sendLine('//me waves');
  await b.proc.waitForLine(/📨 \[W1ABC\]: \/me waves$/);
  assert.equal(b.proc.count(/📨 \[W1ABC\]: \/(whoami|help|ptt)/), 0, 'a command went out as chat');
});

test('a PTT key that collides with the chat line or tmux is refused with why; a missing --config file is an error in one line', async (t) => {
  const home = makeNullAlsaHome();
  const env = { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config') };
  const cases: [string[], RegExp][] = [
    [['--ptt-key', 'C-k'], /PTT key C-k is the chat line's delete-to-end; use C-t \(the default\), C-g, C-n, C-p, C-x, C-y or F3–F12/],
    [['--ptt-key', 'ctrl+b'], /PTT key C-b is tmux's prefix key/],
    [['--config', path.join(mkdtempSync(path.join(tmpdir(), 'opv-cfg-')), 'nope.json')], /--config .*nope\.json: no such file/],
  ];
  for (const [flags, re] of cases) {
    const p = new Proc(opvBin, ['station', 'W1ABC', '-i', '127.0.0.1', '--no-tui', ...flags], { env });
    t.after(() => p.stop('SIGKILL'));
    assert.equal(await p.waitForExit(15_000), 1, p.output);
    assert.match(p.output, re);
    assert.doesNotMatch(p.output, /C-b|C-k/.test(flags.join(' ')) ? /use .*C-(b|k)\b/ : /$^/);
    assert.equal(p.output.trim().split('\n').length, 1, `one line: ${p.output}`);
  }
});
