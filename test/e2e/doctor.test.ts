/**
 * `opv doctor` as an operator runs it, against real servers and real ALSA set-ups in a
 * temporary HOME: a running opv server (with a protected callsign and its key), nothing
 * listening, a reference-style server that never echoes, a missing sound card, a muted
 * microphone, and a key file others can read.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort, speechWav } from '../helpers/paths.js';
import { alsaEnv, makeFileAlsaHome, makeMutedMicHome, makeNoSoundHome } from '../helpers/alsa.js';
import { startServer, type RunningServer } from './support/stations.js';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A HOME whose default ALSA device captures the speech fixture (a live microphone) and plays into nothing. */
const liveMicHome = makeFileAlsaHome(speechWav).home;

async function doctor(args: string[], home = liveMicHome): Promise<{ code: number | null; out: string; line: (re: RegExp) => string }> {
  const p = new Proc(opvBin, ['doctor', ...args], { env: alsaEnv(home) });
  const code = await p.waitForExit(60_000);
  const out = p.stdoutLines.join('\n');
  return {
    code,
    out,
    line: (re) => {
      const l = p.stdoutLines.find((x) => re.test(x));
      assert.ok(l !== undefined, `no line matching ${re} in:\n${p.output}`);
      return l;
    },
  };
}

let srv: RunningServer;
let keyFile: string;

test('against a running opv server with this callsign protected: every check passes, round trip and key acceptance shown', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-doctor-'));
  keyFile = path.join(dir, 'W1ABC.pem');
  const pub = execFileSync(opvBin, ['keygen', 'W1ABC', '--out', keyFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const keys = path.join(dir, 'authorized_keys');
  writeFileSync(keys, pub);
  srv = await startServer(['--authorized-keys', keys]);
  cleanups.push(() => srv.proc.stop('SIGKILL'));
  const d = await doctor(['W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--key', keyFile]);
  assert.equal(d.code, 0, d.out);
  assert.match(d.line(/Node\.js/), /^✓ /);
  assert.match(d.line(/^. Opus/), /^✓ .*encodes and decodes/);
  assert.match(d.line(/ALSA tools \(aplay, arecord\)/), /^✓ .*aplay: version/);
  assert.match(d.line(/^. key file/), /^✓ .*mode 0600/);
  assert.match(d.line(/^. capture device default/), /^✓ .*opens/);
  assert.match(d.line(/^. capture level/), /^✓ .*peak −\d/);
  assert.match(d.line(/^. playback device default/), /^✓ /);
  const rtt = /round trip (\d+(?:\.\d+)?) ms/.exec(d.line(/^. server 127\.0\.0\.1/));
  assert.ok(rtt && Number(rtt[1]) < 1000, d.out);
  assert.match(d.line(/^. opv extension/), /^✓ .*version 1/);
  assert.match(d.line(/^. authentication/), /^✓ authentication: required: W1ABC is protected .*key is accepted/);
  assert.match(d.line(/^ready: /), /0 failed/);
  // The probe left as a station leaves: the server forgot it.
  await srv.proc.waitForLine(/W1ABC.*(left|BYE)|BYE.*W1ABC/i, 5000);
});

test('the same server without the key: the doctor says the callsign is protected and how to fix it (exit 1)', async () => {
  const d = await doctor(['W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--no-audio']);
  assert.equal(d.code, 1, d.out);
  assert.match(d.line(/^. authentication/), /^✗ authentication: required: W1ABC is protected .* — fix: copy the station's key/);
  const free = await doctor(['K5XYZ', '-i', '127.0.0.1', '-p', String(srv.port), '--no-audio']);
  assert.equal(free.code, 0, free.out);
  assert.match(free.line(/^. authentication/), /^✓ authentication: not required: K5XYZ is not protected/);
});

test('a key file others can read (mode 0644) fails with the chmod that fixes it', async () => {
  chmodSync(keyFile, 0o644);
  const d = await doctor(['W1ABC', '-i', '127.0.0.1', '-p', String(srv.port), '--key', keyFile, '--no-audio']);
  assert.equal(d.code, 1, d.out);
  assert.match(d.line(/^. key file/), new RegExp(`^✗ key file: ${keyFile} has mode 0644: other users can read the private key — fix: chmod 600 ${keyFile}$`));
  chmodSync(keyFile, 0o600);
});

test('nothing listening on the port: connection refused, exit 1', async () => {
  const port = await freeUdpPort();
  const d = await doctor(['W1ABC', '-i', '127.0.0.1', '-p', String(port), '--no-audio']);
  assert.equal(d.code, 1, d.out);
  assert.match(d.line(/^. server 127\.0\.0\.1/), /^✗ .*connection refused: nothing listens on that UDP port — fix: /);
});

test('a reference-style server (listens, never echoes): a warning that names the reference server, exit 0', async (t) => {
  const sock = createSocket('udp4');
  let got = 0;
  sock.on('message', () => got++);
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  t.after(() => sock.close());
  const d = await doctor(['W1ABC', '-i', '127.0.0.1', '-p', String(sock.address().port), '--no-audio', '--wait', '1.5']);
  assert.equal(d.code, 0, d.out);
  assert.match(d.line(/^. server 127\.0\.0\.1/), /^! .*no answer in 1\.5 s: a reference server/);
  assert.match(d.line(/^. opv extension/), /^– /);
  assert.ok(got >= 3, `the probe sent keepalives (${got} datagrams)`);
});

test('no sound card (ALSA names a missing card): capture and playback fail in words, the other checks still run', async () => {
  const d = await doctor(['K5XYZ', '-i', '127.0.0.1', '-p', String(srv.port)], makeNoSoundHome());
  assert.equal(d.code, 1, d.out);
  assert.match(d.line(/^. capture device default/), /^✗ capture device default: does not open: .+ — fix: /);
  assert.match(d.line(/^. playback device default/), /^✗ playback device default: does not open: .+ — fix: /);
  assert.match(d.line(/^. server 127\.0\.0\.1/), /^✓ .*round trip/);
});

test('a microphone that records digital silence (muted) shows in the capture level', async () => {
  const d = await doctor(['--no-audio', '--audio-in-device', 'default'], makeMutedMicHome());
  assert.equal(d.code, 1, d.out);
  assert.match(d.line(/^. capture level/), /^✗ capture level: digital silence .*muted .* — fix: unmute/);
  assert.match(d.line(/^. server/), /^– server: none given/);
});
