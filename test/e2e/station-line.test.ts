import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, startStation, type StationProc } from './support/stations.js';
import { speechWav } from '../helpers/paths.js';
import { readWav } from '../../src/station/voice/files.js';

test('line mode: chat both ways, PTT with buffered chat, history, export, replay, clean exit', async (t) => {
  const srv = await startServer([], t);
  const tmp = mkdtempSync(path.join(tmpdir(), 'opv-line-'));
  const a = await startStation('W1ABC', srv.port, ['--audio-in', speechWav, '--audio-out', path.join(tmp, 'a.wav')], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--audio-out', path.join(tmp, 'b.wav')], { t });
  await a.proc.waitForLine(/🔗 connected to server \(round trip \d+ ms\)/);
  await b.proc.waitForLine(/🔗 connected to server/);

  a.proc.sendLine('hello from W1ABC 📡');
  await b.proc.waitForLine(/^📨 \[W1ABC\]: hello from W1ABC 📡$/);
  b.proc.sendLine('VE3XYZ here, roger');
  await a.proc.waitForLine(/^📨 \[VE3XYZ\]: VE3XYZ here, roger$/);

  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/^🎤 W1ABC: PTT was pressed$/);
  await b.proc.waitForLine(/^🎤 W1ABC: PTT was pressed$/);
  a.proc.sendLine('typed during the transmission');
  await a.proc.waitForLine(/buffered until PTT release \(1 waiting\)/);
  assert.equal(b.proc.count(/typed during/), 0, 'chat waits for the end of the transmission');
  // The WAV microphone runs out after 7.3 s and releases PTT by itself.
  await a.proc.waitForLine(/^🔇 W1ABC: PTT was released$/, 15_000);
  await b.proc.waitForLine(/^📨 \[W1ABC\]: typed during the transmission$/);
  const heard = await b.proc.waitForLine(/^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, \d+ frames, \d+ lost$/, 5000);
  const m = /#(\d+) .* ([\d.]+) s, (\d+) frames, (\d+) lost/.exec(heard)!;
  assert.ok(Number(m[3]) >= 180 && Number(m[3]) <= 186, `frames ${m[3]!}`);
  assert.equal(Number(m[4]), 0);
  const entry = Number(m[1]);

  b.proc.sendLine('/history');
  await b.proc.waitForLine(new RegExp(`^#${entry} .*W1ABC transmission`));
  const ogg = path.join(tmp, 'rx.ogg');
  const wav = path.join(tmp, 'rx.wav');
  b.proc.sendLine(`/export ${entry} ${ogg}`);
  await b.proc.waitForLine(/💾 .* written to .*rx\.ogg/);
  b.proc.sendLine(`/export ${entry} ${wav}`);
  await b.proc.waitForLine(/💾 .* written to .*rx\.wav/);
  assert.ok(existsSync(ogg) && readFileSync(ogg).subarray(0, 4).toString() === 'OggS');
  const pcm = await readWav(wav);
  assert.ok(Math.abs(pcm.length - Number(m[3]) * 1920) <= 1920);
  try {
    const info = execFileSync('opusinfo', [ogg], { encoding: 'utf8' });
    assert.match(info, /Opus/);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  b.proc.sendLine(`/play ${entry}`);
  await b.proc.waitForLine(new RegExp(`⏹️  #${entry} done`), 15_000);
  b.proc.sendLine('/play 99999');
  await b.proc.waitForLine(/❌ no history entry 99999/);
  b.proc.sendLine('/frobnicate');
  await b.proc.waitForLine(/unknown command \/frobnicate/);

  b.proc.sendLine('status');
  await b.proc.waitForLine(/📊 VE3XYZ → 127\.0\.0\.1:\d+ \(connected, round trip \d+ ms\)/);
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);
  await srv.proc.waitForLine(/STATION LEFT: W1ABC .*\(BYE\)/);
  await b.proc.waitForLine(/👋 W1ABC left the conference/);
  assert.equal(await b.proc.stop('SIGINT'), 0);
  await srv.proc.waitForLine(/STATION LEFT: VE3XYZ .*\(BYE\)/);

  // History survives a restart.
  const b2 = await startStation('VE3XYZ', srv.port, ['--no-audio'], { dataDir: b.dataDir, t });
  b2.proc.sendLine('/history');
  await b2.proc.waitForLine(/⬅ W1ABC: hello from W1ABC 📡/);
  await b2.proc.waitForLine(new RegExp(`^#${entry} .*W1ABC transmission`));
  b2.proc.sendLine('quit');
  assert.equal(await b2.proc.wait(), 0);
});

test('a bad callsign or flag is one clear line; no sound card still chats', async (t) => {
  const { Proc } = await import('../helpers/proc.js');
  const { opvBin } = await import('../helpers/paths.js');
  for (const [args, re] of [
    [['station', 'W1_AB', '-i', '127.0.0.1'], /callsign "W1_AB" contains "_"/],
    [['station', 'W1ABC'], /a server is required/],
    [['station', 'W1ABC', '-i', '127.0.0.1', '--jitter', 'lots'], /--jitter must be a whole number/],
  ] as const) {
    const p = new Proc(opvBin, [...args]);
    assert.notEqual(await p.wait(), 0);
    assert.match(p.output, re);
    assert.doesNotMatch(p.output, /\n\s+at /);
  }
  const srv = await startServer([], t);
  const { makeNoSoundHome } = await import('../helpers/alsa.js');
  const a: StationProc = await startStation('W1ABC', srv.port, [], { home: makeNoSoundHome(), t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/no microphone/);
  await a.proc.waitForLine(/no audio output/);
  // The server relays to registered stations only: B must have been heard first.
  await b.proc.waitForLine(/connected to server/);
  a.proc.sendLine('chat without a sound card');
  await b.proc.waitForLine(/📨 \[W1ABC\]: chat without a sound card/);
});

test('--ptt-gpio without a GPIO chip says so and the station keeps working', async (t) => {
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--no-audio', '--ptt-gpio', '23', '--led-gpio', '17', '--gpio-chip', 'gpiochip97'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  // With the gpiod tools installed (scripts/setup.sh) gpiodetect lists no chip here; without them, that is said.
  await a.proc.waitForLine(/❌ (no GPIO chip on this machine|gpiomon not found).*PTT stays on the keyboard/);
  await b.proc.waitForLine(/connected to server/);
  a.proc.sendLine('still on the air');
  await b.proc.waitForLine(/📨 \[W1ABC\]: still on the air/);
});

test('--save-config writes the effective settings, which the next start uses; --list-audio lists devices', async (t) => {
  const { Proc } = await import('../helpers/proc.js');
  const { opvBin } = await import('../helpers/paths.js');
  const { makeNullAlsaHome, alsaEnv } = await import('../helpers/alsa.js');
  const home = makeNullAlsaHome();
  const env = { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config') };
  const save = new Proc(opvBin, ['station', 'w1abc', '-i', 'club.example.org', '--jitter', '3', '--ptt-timeout', '60', '--save-config'], { env });
  assert.equal(await save.wait(), 0);
  const file = path.join(home, '.config', 'opv', 'station.json');
  assert.match(save.output, new RegExp(`settings written to ${file.replace(/[.]/g, '\\.')}`));
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { callsign: string; server: string; jitterFrames: number; ptt: { timeoutS: number } };
  assert.equal(saved.callsign, 'W1ABC');
  assert.equal(saved.server, 'club.example.org');
  assert.equal(saved.jitterFrames, 3);
  assert.equal(saved.ptt.timeoutS, 60);
  // The next start needs neither callsign nor server on the command line.
  const srv = await startServer([], t);
  const again = new Proc('node', [opvBin, 'station', '-i', '127.0.0.1', '-p', String(srv.port), '--listen-port', '0', '--no-audio', '--no-tui', '--data-dir', path.join(home, 'data')], { env });
  t.after(() => again.stop('SIGKILL'));
  await again.waitForLine(/📻 W1ABC on 127\.0\.0\.1:/);
  await srv.proc.waitForLine(/NEW STATION: W1ABC/);
  const list = new Proc(opvBin, ['station', '--list-audio'], { env });
  assert.equal(await list.wait(), 0);
  assert.match(list.output, /Capture devices:/);
  assert.match(list.output, /Playback devices:/);
});
