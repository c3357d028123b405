import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerStats } from '../../src/contract/stats.js';
import { checkFrame, encodeCallsign, frameMessage, MessageBuilder } from '../../src/protocol/index.js';
import { opvBin } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { spoofUdp } from '../helpers/spoof-udp.js';
import { eventually } from '../helpers/eventually.js';
import { startServer, startStation, type StationProc } from './support/stations.js';

// Per-frame tags (docs/EXTENSIONS.md, "Frame tags"), real processes over real UDP: a real
// `opv station` with a key, a listener, and a forger that sends from the protected
// station's exact source address:port (a raw socket), which the session binding alone
// cannot tell apart.

const dir = mkdtempSync(path.join(tmpdir(), 'opv-tags-'));

async function stats(statsPort: number): Promise<ServerStats> {
  return (await (await fetch(`http://127.0.0.1:${statsPort}/api/v1/stats`)).json()) as ServerStats;
}

function waitFor(pred: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return eventually(pred, what, timeoutMs, 50);
}

/** One frame that claims to be W1ABC saying `text` (untagged: the forger has no session key). */
function forgedChat(text: string): Buffer {
  const b = new MessageBuilder({ source: [127, 0, 0, 1], destination: [127, 0, 0, 1], sourcePorts: { voice: 40000, text: 40001, control: 40002 }, initialIdentification: 7 });
  const frames = frameMessage(encodeCallsign('W1ABC'), b.text(text));
  assert.equal(frames.length, 1);
  return Buffer.from(frames[0]!);
}

const fromW1 = (lis: SimStation, f: Buffer): boolean => lis.rawFrames.some((r) => r.equals(f));

test('frame tags: forged, replayed and altered frames from the protected station\'s own address:port are dropped and counted; without tags the forgery is relayed', { timeout: 120_000 }, async (t) => {
  const keyFile = path.join(dir, 'w1abc.pem');
  const line = execFileSync(opvBin, ['keygen', 'W1ABC', '--out', keyFile], { encoding: 'utf8' }).trim();
  const keys = path.join(dir, 'authorized_keys');
  writeFileSync(keys, `${line}\n`);
  const srv = await startServer(['--authorized-keys', keys], t);
  const server = { address: '127.0.0.1', port: srv.port };

  const lis = new SimStation('K2LIS', { host: '127.0.0.1', port: srv.port });
  await lis.bound;
  t.after(() => lis.close().catch(() => undefined));
  lis.chat('listening');
  await waitFor(async () => (await stats(srv.statsPort)).stations.some((s) => s.callsign === 'K2LIS'), 'the listener to join');

  // A real opv station receives the tagged frames (receivers ignore the reserved bytes).
  const rx = await startStation('K3RX', srv.port, [], { t });

  // Tags on (the default with a key).
  const v: StationProc = await startStation('W1ABC', srv.port, ['--key', keyFile], { t });
  await v.proc.waitForLine(/🔐 authenticated as W1ABC/, 15_000);
  const victim = { address: '127.0.0.1', port: v.listenPort };
  v.proc.sendLine('legit one');
  await lis.until(() => lis.texts('W1ABC').includes('legit one'), 15_000, 'the legitimate chat line');
  const captured = lis.rawFrames.find((f) => checkFrame(f).ok && f.includes('legit one'));
  assert.ok(captured, 'the legitimate frame as relayed');
  assert.notDeepEqual([...captured.subarray(9, 12)], [0, 0, 0], 'the station tagged its frame (relayed unchanged)');
  await rx.proc.waitForLine(/^📨 \[W1ABC\]: legit one$/, 15_000);

  const forged = forgedChat('forged words');
  const altered = Buffer.from(captured);
  altered.write('LEGIT', captured.indexOf('legit one'));
  const before = (await stats(srv.statsPort)).auth_tag_failures;
  spoofUdp(victim, server, [forged, captured, altered]);
  await waitFor(async () => (await stats(srv.statsPort)).auth_tag_failures >= before + 3, 'three tag failures');
  // The legitimate station still gets through (and its counter is still in step).
  v.proc.sendLine('legit two');
  await lis.until(() => lis.texts('W1ABC').includes('legit two'), 15_000, 'legitimate chat after the forgeries');
  assert.equal(fromW1(lis, forged), false, 'forged frame relayed');
  assert.equal(fromW1(lis, altered), false, 'altered frame relayed');
  assert.equal(lis.rawFrames.filter((r) => r.equals(captured)).length, 1, 'replayed frame relayed');
  assert.deepEqual(lis.texts('W1ABC'), ['legit one', 'legit two']);
  await rx.proc.waitForLine(/^📨 \[W1ABC\]: legit two$/, 15_000);
  assert.equal(rx.proc.count(/forged words|LEGIT one/), 0);
  const s = await stats(srv.statsPort);
  assert.equal(s.auth_tag_failures, before + 3, 'exactly the three bad frames failed');
  assert.match(await (await fetch(`http://127.0.0.1:${srv.statsPort}/metrics`)).text(), new RegExp(`opv_auth_tag_failures_total ${s.auth_tag_failures}\\b`));

  // Tags off: the same kind of forgery from the station's address:port is relayed (what tags prevent).
  v.proc.sendLine('/quit');
  await v.proc.waitForExit(15_000).catch(() => v.proc.stop());
  const off = await startStation('W1ABC', srv.port, ['--key', keyFile, '--frame-tags', 'off'], { t });
  await off.proc.waitForLine(/🔐 authenticated as W1ABC/, 15_000);
  const forged2 = forgedChat('forged again');
  spoofUdp({ address: '127.0.0.1', port: off.listenPort }, server, [forged2]);
  await lis.until(() => lis.texts('W1ABC').includes('forged again'), 15_000, 'the forgery relayed without tags');
  assert.ok(fromW1(lis, forged2));
  assert.equal((await stats(srv.statsPort)).auth_tag_failures, s.auth_tag_failures);
});
