/**
 * NAT rebinding of an authenticated station, through real processes (issue 19, item 4):
 * a chat line typed right after the station's NAT mapping changed is relayed (the server
 * follows the session's frame tags to the new port), and the station's screen and history
 * say what truly happened to it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, freeUdpPort } from '../helpers/paths.js';
import { natProxy } from '../helpers/udp-proxy.js';
import { startStation, type StationProc } from './support/stations.js';

async function rebindCase(t: TestContext, tags: 'on' | 'off'): Promise<void> {
  const call = tags === 'on' ? 'W2NAT' : 'W2NOT';
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-rebind-'));
  const keyFile = path.join(dir, `${call}.pem`);
  const keysFile = path.join(dir, 'authorized_keys');
  writeFileSync(keysFile, execFileSync(opvBin, ['keygen', call, '--out', keyFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() + '\n');
  const port = await freeUdpPort();
  const srv = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--no-stats', '--stats-interval', '0', '--authorized-keys', keysFile]);
  t.after(() => srv.stop('SIGKILL'));
  await srv.waitForLine(/Server ready for connections/);
  const nat = await natProxy(port);
  t.after(() => nat.close());

  const station = (cs: string, p: number, extra: string[] = []): Promise<StationProc> => startStation(cs, p, ['--no-audio', ...extra], { t });
  const B = await station('VE3HER', port);
  await B.proc.waitForLine(/🔗 connected to server/);
  const A = await station(call, nat.port, ['--key', keyFile, '--frame-tags', tags]);
  await A.proc.waitForLine(new RegExp(`^🔐 authenticated as ${call}$`), 15_000);
  await A.proc.waitForLine(/🔗 connected to server/);
  A.proc.sendLine('before the rebinding');
  await B.proc.waitForLine(new RegExp(`^📨 \\[${call}\\]: before the rebinding$`));

  // The mapping changes between keepalives; the very next datagram the server sees from the station is this chat line.
  await nat.quiet(400);
  const old = nat.outsidePort();
  await nat.rebind();
  A.proc.sendLine('typed right after the rebinding');
  await B.proc.waitForLine(new RegExp(`^📨 \\[${call}\\]: typed right after the rebinding$`), 5000);
  // With tags on, the chat line's own tag moves the session; with tags off, the tagged keepalive sent ahead of it.
  const by = tags === 'on' ? 'tagged frames' : 'a tagged keepalive';
  await srv.waitForLine(new RegExp(`AUTHENTICATED: ${call} at 127\\.0\\.0\\.1:${nat.outsidePort()} \\(session moved by ${by}\\)`));
  await srv.waitForLine(new RegExp(`ENDPOINT CHANGE: ${call} 127\\.0\\.0\\.1:${old} → 127\\.0\\.0\\.1:${nat.outsidePort()}`));
  // Answers reach it at the new port: the others' chat, and its own link stays connected.
  B.proc.sendLine(`to ${call} after its rebinding`);
  await A.proc.waitForLine(new RegExp(`^📨 \\[VE3HER\\]: to ${call} after its rebinding$`));

  // Screen and history agree with what happened: delivered, not held, not "not delivered".
  const mark = A.proc.lines.length;
  A.proc.sendLine('/history');
  const h = await A.proc.waitForLine(/^#\d+ .*typed right after the rebinding/, 10_000, mark);
  assert.doesNotMatch(h, /not delivered|held|not confirmed/);
  assert.equal(A.proc.count(/not delivered/), 0);
  assert.equal(B.proc.count(/typed right after the rebinding/), 1, 'relayed once');
}

test('NAT rebinding of an authenticated station: a line typed at once reaches the others, and history says delivered', (t) => rebindCase(t, 'on'));

test('NAT rebinding with --frame-tags off: a tagged keepalive ahead of the line moves the session, and the line is relayed', (t) => rebindCase(t, 'off'));
