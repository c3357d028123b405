import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { referenceFramesJson, repoRoot } from '../helpers/paths.js';
import { createTestNet, netnsSkip, type TestNet } from '../helpers/netns.js';
import { natsSkip, pollAsync, type NatsNode } from '../helpers/nats.js';
import type { ReferenceVectors } from '../protocol/vectors.js';
import { frameHash, type Dump } from './support/interlink-probe.js';
import { exactnessProblems, dumpsWhen, MAIN_PORT, NET_PORT, sleep, startNatsTopology, startOpvServer, startProbe, voiceOf, type Host, type OpvServer, type Probe } from './support/interlink-hosts.js';

// Interlinked opv servers on separate namespace hosts, over a real nats-server cluster of
// three nodes (full mesh of routes) and a leaf node: servers alpha (on n1) and bravo (on
// n2), then charlie on the leaf. Stations are measuring probes on their own hosts.

const ref = path.join(repoRoot, 'dist', 'test', 'helpers', 'ref-station-cli.js');
const skip = netnsSkip() || natsSkip();
const HOSTS = ['n1', 'n2', 'n3', 'nl', 'sa', 'sb', 'sc', 'a', 'b', 'c', 'a2', 'r', 'd1', 'd2', 'k'] as const;
type HostName = (typeof HOSTS)[number];

let net: TestNet;
let h: Record<HostName, Host>;
let hubs: NatsNode[];
let leaf: NatsNode;
let A: OpvServer;
let B: OpvServer;
let C: OpvServer | null = null;
const procs: Proc[] = [];
const probes: Probe[] = [];

after(async () => {
  for (const p of [...probes.map((x) => x.proc), ...procs, A?.proc, B?.proc, C?.proc]) await p?.stop('SIGKILL', 100);
  for (const n of [...(hubs ?? []), leaf]) await n?.kill();
  net?.close();
});

before(async () => {
  if (skip) return;
  net = createTestNet([...HOSTS]);
  h = net.hosts;
  ({ hubs, leaf } = await startNatsTopology(net));
  [A, B] = await Promise.all([startOpvServer(net, h.sa, 'alpha', [hubs[0]!.url]), startOpvServer(net, h.sb, 'bravo', [hubs[1]!.url])]);
});

async function probe(host: HostName, call: string, server: OpvServer, port?: number): Promise<Probe> {
  const p = await startProbe(h[host], call, server.host, port);
  probes.push(p);
  return p;
}

/**
 * Waits until server `o` lists (or, with `listed` false, no longer lists) `call` on `home`
 * as a remote station. From the stats, not the log: "REMOTE STATION" lines are limited to
 * 3 per 10 s, the rest summed up, so on a fast run a later one may never be a line of its own.
 */
async function remoteListed(o: OpvServer, call: string, home: OpvServer, room = 'MAIN', listed = true): Promise<void> {
  await pollAsync(
    () => Promise.resolve(o.stats().remote_stations.some((r) => r.callsign === call && r.server === home.id && r.room === room) === listed),
    `${o.id} ${listed ? 'lists' : 'no longer lists'} ${call} on ${home.id} in room ${room}`,
    20_000,
  );
}

/** Registers `p` on `home` and waits until every other server lists it as a remote station. */
async function join(p: Probe, home: OpvServer, others: OpvServer[], room = 'MAIN'): Promise<void> {
  await p.cmd('join');
  await home.proc.waitForLine(new RegExp(`NEW STATION: ${p.call} at`), 20_000);
  for (const o of others) await remoteListed(o, p.call, home, room);
}

/** Each probe chats and talks (25 voice frames, all at once); waits until every frame has arrived (or 30 s), and returns the dumps. */
async function roundOfTraffic(ps: Probe[], tag: number): Promise<Dump[]> {
  for (const p of ps) await p.cmd('mark');
  for (const p of ps) await p.cmd(`chat round ${tag} from ${p.call}`);
  await Promise.all(ps.map((p) => p.cmd(`stream ${tag} 25 40`, 60_000)));
  return dumpsWhen(ps, (d) => exactnessProblems(d).length === 0, 30_000);
}

function interlinkCounts(servers: OpvServer[]): Map<string, { published: number; received: number }> {
  return new Map(servers.map((s) => [s.id, { published: s.link().frames_published, received: s.link().frames_received }]));
}

test('two, then three interlinked servers (one on a leaf node): every frame reaches every other station exactly once, byte-identical; nothing loops or echoes', { skip }, async () => {
  const pa = await probe('a', 'W1AAA', A);
  const pb = await probe('b', 'W2BBB', B);
  await join(pa, A, [B]);
  await join(pb, B, [A]);

  // Two servers.
  let dumps = await roundOfTraffic([pa, pb], 1);
  assert.deepEqual(exactnessProblems(dumps), []);
  await pb.proc.waitForLine(/^heard W1AAA text round 1 from W1AAA$/);
  await pa.proc.waitForLine(/^heard W2BBB text round 1 from W2BBB$/);
  for (const d of dumps) assert.equal(voiceOf(d, d.call === 'W1AAA' ? 'W2BBB' : 'W1AAA', 1).length, 25, `${d.call} heard all 25 voice frames`);

  // Three: charlie connects to the leaf node, so its frames cross leaf → hub → route → hub.
  C = await startOpvServer(net, h.sc, 'charlie', [leaf.url]);
  const pc = await probe('c', 'K3CCC', C);
  await join(pc, C, [A, B]);
  for (const call of ['W1AAA', 'W2BBB']) await C.proc.waitForLine(new RegExp(`REMOTE STATION: ${call} on (alpha|bravo) in room MAIN`), 20_000);

  const servers = [A, B, C];
  const before = interlinkCounts(servers);
  dumps = await roundOfTraffic([pa, pb, pc], 2);
  assert.deepEqual(exactnessProblems(dumps), []);
  for (const d of dumps) {
    for (const other of ['W1AAA', 'W2BBB', 'K3CCC'].filter((c) => c !== d.call)) {
      assert.deepEqual(
        voiceOf(d, other, 2).map((r) => r.seq),
        Array.from({ length: 25 }, (_, i) => i),
        `${d.call} heard ${other}'s 25 voice frames once each`,
      );
    }
  }
  // Let the counters settle, then: each server published what its station sent and
  // received exactly what the two others published: no frame went round twice. (A quiet
  // second, fixed: a frame going round twice would arrive within it.)
  await sleep(1000);
  const afterCounts = interlinkCounts(servers);
  const delta = (id: string, k: 'published' | 'received'): number => afterCounts.get(id)![k] - before.get(id)![k];
  const sentBy = new Map(dumps.map((d) => [d.call, d.sent.length]));
  assert.equal(delta('alpha', 'published'), sentBy.get('W1AAA'));
  assert.equal(delta('bravo', 'published'), sentBy.get('W2BBB'));
  assert.equal(delta('charlie', 'published'), sentBy.get('K3CCC'));
  for (const s of servers) {
    const others = servers.filter((o) => o !== s).reduce((n, o) => n + delta(o.id, 'published'), 0);
    assert.equal(delta(s.id, 'received'), others, `${s.id} received each frame of the other servers once`);
  }
});

test('a reference station on a room port is heard and hears across servers; rooms stay apart; a server with nobody in a room gets none of it', { skip }, async () => {
  assert.ok(C, 'needs the three servers of the first test');
  const [pa, pb, pc] = ['W1AAA', 'W2BBB', 'K3CCC'].map((c) => probes.find((p) => p.call === c)!) as [Probe, Probe, Probe];
  // An opv station on alpha's main port that chooses NET by name.
  const pn = await probe('a2', 'KN1NET', A);
  await pn.cmd('ext');
  await pn.proc.waitForLine(/^srv OPV:ROOM MAIN$/, 20_000);
  await pn.cmd('room NET');
  await pn.proc.waitForLine(/^srv OPV:ROOM NET$/, 20_000);
  await A.proc.waitForLine(/ROOM CHANGE: KN1NET MAIN → NET/, 20_000);
  await pollAsync(async () => B.link().subscribed_rooms.join() === 'MAIN', 'bravo is subscribed to MAIN only (nobody of it in NET yet)');

  // The reference station (frames recorded from the reference implementation, W1ABC) on bravo's NET port.
  const R = new Proc('node', [ref, h.sb.ip, String(NET_PORT), String(NET_PORT)], { netns: h.r.ns });
  procs.push(R);
  await R.waitForLine(/^ready$/);
  for (const p of [pn, pa, pb, pc]) await p.cmd('mark');
  const vectors = JSON.parse(readFileSync(referenceFramesJson, 'utf8')) as ReferenceVectors;
  const labels = ['short chat', 'ptt start', 'voice 0', 'voice 1', 'voice 2', 'voice 3', 'voice 4', 'voice 5', 'ptt stop'];
  R.sendLine('send short chat');
  await B.proc.waitForLine(/NEW STATION: W1ABC at .* in room NET/, 20_000);
  await remoteListed(A, 'W1ABC', B, 'NET');
  await pollAsync(async () => B.link().subscribed_rooms.join() === 'MAIN,NET', 'bravo subscribes NET once its reference station is in it');
  for (const l of labels.slice(1)) R.sendLine(`send ${l}`);
  const refHashes = labels.flatMap((l) => vectors.frames.find((f) => f.label === l)!.frames.map((hex) => frameHash(Buffer.from(hex, 'hex'))));

  // The opv station in NET on alpha hears it byte for byte, once; and is heard by it.
  await pn.cmd('chat hello NET from alpha');
  await pb.cmd('chat MAIN only, from bravo');
  await pn.cmd('stream 7 25 40', 60_000);
  await R.waitForLine(/^heard KN1NET text hello NET from alpha$/, 20_000);
  await R.waitForLine(/^heard KN1NET control PTT_STOP$/, 20_000);
  assert.equal(R.count(/^heard KN1NET voice /), 25, 'the reference station heard all 25 voice frames of the NET station on alpha');
  assert.equal(R.count(/^heard KN1NET text hello NET from alpha$/), 1);
  assert.equal(R.count(/^heard (W1AAA|W2BBB|K3CCC) /), 0, 'the reference station in NET hears nothing of MAIN');
  const [dn] = await dumpsWhen([pn], (d) => refHashes.every((x) => d[0]!.rx.some((r) => r.h === x)), 20_000);
  const fromRef = dn!.rx.filter((r) => r.f === 'W1ABC').map((r) => r.h);
  assert.deepEqual(fromRef, refHashes, 'the NET station on alpha received the reference frames once each, unchanged, in order');
  await pa.proc.waitForLine(/^heard W2BBB text MAIN only, from bravo$/, 20_000);
  // A quiet second, fixed: what must not cross rooms would arrive within it.
  await sleep(1000);

  // Room isolation across servers: nothing of NET in MAIN anywhere, nothing of MAIN in NET.
  const mains = await Promise.all([pa, pb, pc].map((p) => p.dump()));
  for (const d of mains) assert.equal(d.rx.filter((r) => r.f === 'KN1NET' || r.f === 'W1ABC').length, 0, `${d.call} in MAIN heard nothing of NET`);
  const dn2 = await pn.dump();
  assert.equal(dn2.rx.filter((r) => ['W1AAA', 'W2BBB', 'K3CCC'].includes(r.f)).length, 0, 'the NET station heard nothing of MAIN');

  // Interest only: charlie has nobody in NET, so it is not subscribed and got no NET frame;
  // and its leaf node has not told the hub it wants NET, so the cluster sent none its way.
  const cNet = C.roomStats('NET');
  assert.equal(cNet.frames_from_interlink, 0, 'charlie received no NET frame');
  assert.deepEqual(C.link().subscribed_rooms, ['MAIN']);
  const leafSubs = async (): Promise<string[]> => {
    for (const hub of hubs) {
      const z = (await hub.monitor('leafz?subs=1')) as { leafs?: { subscriptions_list?: string[] }[] };
      if ((z.leafs ?? []).length > 0) return z.leafs!.flatMap((l) => l.subscriptions_list ?? []);
    }
    return [];
  };
  const subs = await leafSubs();
  assert.ok(subs.includes('opv.room.MAIN.*'), `the leaf asks the hub for MAIN: ${subs.join(' ')}`);
  assert.ok(!subs.includes('opv.room.NET.*'), `the leaf does not ask for NET: ${subs.join(' ')}`);
  // The check can fail: once charlie has a station in NET, the leaf asks for it.
  await pc.cmd('ext');
  await pc.cmd('room NET');
  await pc.proc.waitForLine(/^srv OPV:ROOM NET$/, 20_000);
  await pollAsync(async () => (await leafSubs()).includes('opv.room.NET.*'), 'the leaf asks the hub for NET', 20_000);
  await pn.cmd('chat NET reaches charlie now');
  await pc.proc.waitForLine(/^heard KN1NET text NET reaches charlie now$/, 20_000);
  assert.ok(C.roomStats('NET').frames_from_interlink > 0);
});

test('a callsign active on one server is refused on another; a kick on one server drops the station on another', { skip }, async () => {
  // W1DUP on alpha; then W1DUP (an opv station, with the extension) on bravo is refused.
  const d1 = await probe('d1', 'W1DUP', A);
  await join(d1, A, [B]);
  const d2 = await probe('d2', 'W1DUP', B);
  await d2.cmd('ext');
  await d2.cmd('join');
  await d2.proc.waitForLine(/^srv OPV:REFUSED in_use \d+$/, 20_000);
  await B.proc.waitForLine(new RegExp(`🛡️  HIJACK REFUSED: W1DUP from ${h.d2.ip.replace(/\./g, '\\.')}:${MAIN_PORT} \\(active at server alpha\\)`), 20_000);
  await d2.cmd('chat stolen words');
  await d1.cmd('chat the real W1DUP');
  const pb = probes.find((p) => p.call === 'W2BBB')!;
  await pb.proc.waitForLine(/^heard W1DUP text the real W1DUP$/, 20_000);
  // Fixed: the refused station's line, sent first, would have arrived by now.
  await sleep(500);
  assert.equal(pb.proc.count(/stolen words/), 0, 'the refused station is not relayed');
  assert.equal(B.stats().stations.filter((s) => s.callsign === 'W1DUP').length, 0, 'bravo did not admit it');

  // A sysop on alpha kicks a station on bravo.
  const k = await probe('k', 'KB2KICK', B);
  await k.cmd('ext');
  await join(k, B, [A]);
  const r = A.api('POST', '/stations/KB2KICK/kick');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.match((r.json as { message: string }).message, /KB2KICK kicked on server bravo/);
  await k.proc.waitForLine(/^srv OPV:REFUSED kicked \d+$/, 20_000);
  await B.proc.waitForLine(/🚫 KICKED: KB2KICK at /, 20_000);
  await remoteListed(A, 'KB2KICK', B, 'MAIN', false);
  // Kept out for the hold-down: it comes back and is not relayed.
  await k.cmd('chat back again');
  // A quiet second, fixed: the kicked station's line must not arrive within it.
  await sleep(1000);
  assert.equal(pb.proc.count(/back again/), 0);
  assert.equal(B.stats().stations.filter((s) => s.callsign === 'KB2KICK').length, 0);
});
