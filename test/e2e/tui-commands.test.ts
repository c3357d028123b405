import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxSession } from '../helpers/tmux.js';
import { opvBin, freeUdpPort, speechWav } from '../helpers/paths.js';
import { makeNullAlsaHome } from '../helpers/alsa.js';
import { startServer, startStation } from './support/stations.js';

async function tuiStation(t: TestContext, port: number, extra: string[], size = { width: 80, height: 24 }): Promise<TmuxSession> {
  const home = makeNullAlsaHome();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-tuicmd-'));
  const tmux = new TmuxSession(
    [process.execPath, opvBin, 'station', 'W1ABC', '-i', '127.0.0.1', '-p', String(port), '--listen-port', String(await freeUdpPort()), '--data-dir', dataDir, ...extra],
    { ...size, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } },
  );
  t.after(() => tmux.kill());
  await tmux.waitForScreen(/W1ABC → 127\.0\.0\.1:\d+ +connected \d+ ms/);
  return tmux;
}

test('full-screen UI: commands are never transmitted, unknown ones say so, //text sends /text; pasted lines are asked for once; the sign-off stays', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const tmux = await tuiStation(t, srv.port, ['--no-audio']);
  await tmux.waitForScreen(/VE3XYZ/);

  // Before: every one of these went out as chat to every station.
  tmux.type('/who');
  tmux.sendKeys('Enter');
  const who = await tmux.waitForScreen(/👥 2 stations on the server, you included/);
  assert.match(who, /W1ABC +you/);
  assert.match(who, /VE3XYZ +connected/);
  tmux.sendKeys('Escape');
  await tmux.waitForScreen((s) => !/👥/.test(s));
  tmux.type('/history');
  tmux.sendKeys('Enter');
  await tmux.waitForScreen(/History[\s\S]*(history is empty|#\d+)/);
  // The key that closes the box and what is typed next in one read (typed fast, or batched
  // by a slow SSH link): the keys after it go to the chat line, none is lost. (Not Esc: Esc
  // and a key in one read is how a terminal sends Alt+key.)
  tmux.sendKeys('Enter', '/bogus now', 'Enter');
  await tmux.waitForScreen(/unknown command \/bogus: not sent/);
  tmux.type('//slash is chat');
  tmux.sendKeys('Enter');
  await b.proc.waitForLine(/📨 \[W1ABC\]: \/slash is chat$/);
  // Everything typed before the marker reached VE3XYZ before it: none of it was chat.
  assert.equal(b.proc.count(/📨 \[W1ABC\]: \/(who|history|bogus)/), 0, 'a command went out as chat');

  // A notice longer than the screen is wide wraps instead of being cut.
  tmux.type(`/${'x'.repeat(60)}`);
  tmux.sendKeys('Enter');
  const long = await tmux.waitForScreen(/unknown command \/x+[^\n]*\n[^\n]*\/help lists the commands; \/\/text sends a line starting with "\/"\)/);
  assert.match(long, /\(\/help lists the commands;/);

  // A paste of three lines: asked once; nothing goes before the answer.
  tmux.paste('first pasted\nsecond pasted\nthird pasted');
  await tmux.waitForScreen(/Send the 3 pasted lines as 3 chat messages\?/);
  assert.equal(b.proc.count(/pasted/), 0, 'a pasted line was sent before the answer');
  tmux.type('y');
  for (const w of ['first', 'second', 'third']) await b.proc.waitForLine(new RegExp(`📨 \\[W1ABC\\]: ${w} pasted$`));
  await tmux.waitForScreen(/3 pasted lines sent/);
  // Declined: nothing is sent.
  tmux.paste('no one\nno two');
  await tmux.waitForScreen(/Send the 2 pasted lines/);
  tmux.sendKeys('Escape');
  await tmux.waitForScreen(/paste of 2 lines not sent/);

  // `quit` alone on its line leaves (BYE), with a sign-off line left in the terminal.
  tmux.type('quit');
  tmux.sendKeys('Enter');
  assert.equal(await tmux.waitForExit(15_000), 0);
  assert.match(tmux.capture(), /👋 W1ABC signing off: BYE sent, 73/);
  await b.proc.waitForLine(/W1ABC left/);
  assert.equal(b.proc.count(/📨 \[W1ABC\]: (quit|no one|no two)/), 0);
});

test('full-screen UI: the history follows live traffic, counts what came while browsing, goes live on Tab; typing there goes to the chat line', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  const tmux = await tuiStation(t, srv.port, ['--audio-in', speechWav, '--no-audio']);
  for (let i = 1; i <= 3; i++) {
    b.proc.sendLine(`line ${i}`);
    await tmux.waitForScreen(new RegExp(`VE3XYZ: line ${i}`));
  }
  tmux.sendKeys('Tab');
  tmux.sendKeys('Up');
  tmux.sendKeys('Up');
  await tmux.waitForScreen(/History \(Tab/);
  b.proc.sendLine('while browsing');
  await tmux.waitForScreen(/History +new ↓ 1 \(Tab: back to live\)/);
  b.proc.sendLine('and another');
  await tmux.waitForScreen(/History +new ↓ 2 \(Tab: back to live\)/);
  // A letter typed in the history lands in the chat line (and the focus with it).
  tmux.type('hi there');
  await tmux.waitForScreen(/│hi there {20,}│/);
  const live = await tmux.waitForScreen(/VE3XYZ: and another/);
  assert.doesNotMatch(live, /new ↓/, 'back in the chat line, the history is live again');
  tmux.sendKeys('Enter');
  await b.proc.waitForLine(/📨 \[W1ABC\]: hi there$/);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});

test('full-screen UI: with --no-audio the banner does not invite PTT, and the PTT key is refused with the reason', async (t) => {
  const srv = await startServer([], t);
  const tmux = await tuiStation(t, srv.port, ['--no-audio']);
  const screen = await tmux.waitForScreen(/idle — chat only: no microphone, PTT disabled/);
  assert.doesNotMatch(screen, /press the PTT key/);
  tmux.sendKeys('C-t');
  await tmux.waitForScreen(/PTT refused: no microphone \(--no-audio\); chat works/);
  tmux.sendKeys('C-c');
  assert.equal(await tmux.waitForExit(15_000), 0);
});
