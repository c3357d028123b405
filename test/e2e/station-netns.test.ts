import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Proc } from '../helpers/proc.js';
import { opvBin, speechWav } from '../helpers/paths.js';
import { createTestNet, netnsSkip, type TestNet } from '../helpers/netns.js';
import { type StationProc, startHostStation } from './support/stations.js';
import { HistoryStore } from '../../src/station/history.js';
import type { TransmissionEntry } from '../../src/station/types.js';

let net: TestNet | null = null;
const procs: Proc[] = [];
after(async () => {
  for (const p of procs) await p.stop('SIGKILL', 100);
  net?.close();
});

function transmissions(dataDir: string): TransmissionEntry[] {
  return HistoryStore.open(dataDir, { maxEntries: 1000, maxAgeDays: 30 })
    .list()
    .filter((e): e is TransmissionEntry => e.type === 'transmission');
}

// The reference test plan: a server and three stations, each on its own machine.
test('reference test plan: connectivity, chat both ways, PTT voice, three stations at once', { skip: netnsSkip() }, async () => {
  net = createTestNet(['srv', 'a', 'b', 'c']);
  const h = net.hosts as Record<'srv' | 'a' | 'b' | 'c', { ns: string; ip: string }>;
  const server = new Proc('node', [opvBin, 'server', '--no-stats'], { netns: h.srv.ns });
  procs.push(server);
  await server.waitForLine(/Server ready for connections/);
  const st = async (call: string, host: { ns: string }): Promise<StationProc> => {
    // Every station on the default ports, as on real separate machines.
    const s = await startHostStation(call, h.srv, host, ['--audio-in', speechWav, '--no-audio']);
    procs.push(s.proc);
    return s;
  };
  const A = await st('W1ABC', h.a);
  const B = await st('VE3XYZ', h.b);
  const C = await st('K5XYZ', h.c);
  // Connectivity: each sees its keepalive answered and the server registers each host.
  for (const s of [A, B, C]) await s.proc.waitForLine(/🔗 connected to server/);
  for (const [call, host] of [['W1ABC', h.a], ['VE3XYZ', h.b], ['K5XYZ', h.c]] as const) {
    await server.waitForLine(new RegExp(`NEW STATION: ${call} at ${host.ip.replace(/\./g, '\\.')}:57372`));
  }
  // Chat both ways.
  A.proc.sendLine('CQ from A');
  for (const s of [B, C]) await s.proc.waitForLine(/📨 \[W1ABC\]: CQ from A/);
  C.proc.sendLine('C answers');
  for (const s of [A, B]) await s.proc.waitForLine(/📨 \[K5XYZ\]: C answers/);
  // One station's voice.
  B.proc.sendLine('/ptt on');
  for (const s of [A, C]) await s.proc.waitForLine(/📼 .*⬅ VE3XYZ transmission [\d.]+ s, \d+ frames, 0 lost/, 15_000);
  // All three at once: every station keeps a complete entry for each of the other two.
  const mark = [A, B, C].map((s) => s.proc.lines.length);
  for (const s of [A, B, C]) s.proc.sendLine('/ptt on');
  for (const [i, s] of [A, B, C].entries()) {
    // Each hears the other two end (their entries are complete), after its own release.
    for (const o of [A, B, C].filter((x) => x !== s)) await s.proc.waitForLine(new RegExp(`📼 .*⬅ ${o.callsign} transmission`), 15_000, mark[i]);
  }
  for (const s of [A, B, C]) {
    s.proc.sendLine('quit');
    assert.equal(await s.proc.wait(), 0);
  }
  for (const s of [A, B, C]) {
    const others = ['W1ABC', 'VE3XYZ', 'K5XYZ'].filter((c) => c !== s.callsign);
    const rx = transmissions(s.dataDir).filter((t) => t.direction === 'in');
    for (const o of others) {
      const last = rx.filter((t) => t.callsign === o).pop();
      assert.ok(last, `${s.callsign} has no transmission of ${o}`);
      assert.ok(last.frames >= 182 && last.frames <= 186, `${s.callsign} ← ${o}: ${last.frames} frames; all: ${JSON.stringify(rx.map((t) => [t.callsign, t.at % 100000, t.frames, t.framesLost]))}`);
      assert.equal(last.framesLost, 0, `${s.callsign} ← ${o}: lost`);
    }
  }
});
