// run-tests: alone (one test holds its event loop past the NATS liveness deadline and needs nats-server to answer meanwhile; see scripts/run-tests.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Interlink, LIVENESS_DEADLINE_MS } from '../../src/server/interlink.js';
import { parseNatsServers } from '../../src/server/nats-settings.js';
import { encodePresence, type PresenceMessage } from '../../src/server/interlink-presence.js';
import { InterlinkTrust } from '../../src/server/interlink-trust.js';
import { FRAME_SIZE } from '../../src/protocol/constants.js';
import { encodeCallsign } from '../../src/protocol/callsign.js';
import { writeHeader } from '../../src/protocol/header.js';
import { eventually } from '../helpers/eventually.js';
import { freeTcpPort, repoRoot } from '../helpers/paths.js';
import { Proc } from '../helpers/proc.js';
import { NATS_SERVER_BIN, natsSkip, pollAsync, startNatsCluster, startNatsLeaf, startNatsNode, type NatsNode } from '../helpers/nats.js';

const skip = natsSkip();

/** A 134-byte frame from `call` whose payload carries `seq` and `tag` (to tell frames apart). */
function frame(seq: number, tag = 0, call = 'W1AW'): Buffer {
  const b = Buffer.alloc(FRAME_SIZE);
  writeHeader(encodeCallsign(call), b);
  b.writeUInt32BE(seq, 12);
  b.writeUInt32BE(tag, 16);
  for (let i = 20; i < FRAME_SIZE; i++) b[i] = (seq * 7 + i) & 0xff;
  return b;
}

interface Harness {
  link: Interlink;
  frames: { room: string; origin: string; frame: Buffer; at: number }[];
  presence: PresenceMessage[];
  states: { connected: boolean; state: string }[];
  logs: string[];
}

function makeLink(serverId: string, servers: string[], extra: Partial<ConstructorParameters<typeof Interlink>[0]> = {}): Harness {
  const logs: string[] = [];
  const link = new Interlink({ servers, serverId, log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) }, ...extra });
  const h: Harness = { link, frames: [], presence: [], states: [], logs };
  // Copy: the test keeps frames past the callback, as a server's queue might.
  link.on('frame', (f) => h.frames.push({ ...f, frame: Buffer.from(f.frame), at: performance.now() }));
  link.on('presence', (m) => h.presence.push(m));
  link.on('state', (s) => h.states.push(s));
  return h;
}

/** Subscriptions of `subject` by the node's own clients. */
async function subCount(node: NatsNode, subject: string): Promise<number> {
  return (await node.subjects()).filter((s) => s === subject).length;
}

async function raw(node: NatsNode): Promise<NatsConnection> {
  return connect({ servers: node.url, name: 'raw-test-client' });
}

test('--nats URLs: credentials are taken out of the URLs; bad ones are one-line config errors', () => {
  assert.deepEqual(parseNatsServers(['nats://u:p%40ss@10.0.0.1:4222', 'nats://u:p%40ss@10.0.0.2:4222']), {
    servers: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'],
    user: 'u',
    pass: 'p@ss',
  });
  assert.deepEqual(parseNatsServers(['tls://s3cret@hub:4222', ' ']), { servers: ['tls://hub:4222'], token: 's3cret' });
  assert.deepEqual(parseNatsServers(['127.0.0.1:4222']), { servers: ['nats://127.0.0.1:4222'] });
  assert.throws(() => parseNatsServers([]), /at least one URL/);
  assert.throws(() => parseNatsServers(['http://x:1']), /unknown scheme http/);
  assert.throws(() => parseNatsServers(['nats://a:b@h:1', 'nats://c:d@h:2']), /different credentials/);
  assert.throws(() => parseNatsServers(['nats://user:secret@h:1/x/y']), (e: Error) => !e.message.includes('secret'));
  assert.throws(() => new Interlink({ servers: ['nats://h:1'], serverId: 'bad id', log: console }), /--server-id "bad id" is not a server id/);
  const missing = path.join(mkdtempSync(path.join(tmpdir(), 'opv-nats-cfg-')), 'nope.creds');
  assert.throws(() => new Interlink({ servers: ['nats://h:1'], serverId: 'a', credsFile: missing, log: console }), (e: Error) => e.name === 'ConfigError' && e.message.includes(missing) && e.message.includes('no such file') && !e.message.includes('\n'));
  assert.throws(() => new Interlink({ servers: ['nats://h:1'], serverId: 'a', tlsCa: missing, log: console }), /cannot read the NATS TLS CA file .*nope\.creds: no such file/);
});

test('two servers on one nats-server: frames byte-identical and exactly once, no echo, interest only, hostile input rejected', { skip, timeout: 120_000 }, async () => {
  const node = await startNatsNode({ name: 'solo' });
  const a = makeLink('srv-a', [node.url]);
  const b = makeLink('srv-b', [node.url]);
  try {
    await a.link.start();
    await b.link.start();
    assert.equal(a.link.connected, true, a.logs.join('\n'));
    assert.match(a.link.stats().state, /^connected to 127\.0\.0\.1:\d+$/);
    a.link.setInterest('NET', true);
    b.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 2, 'both servers subscribe NET');
    await pollAsync(async () => (await subCount(node, 'opv.presence.*')) === 2, 'both servers subscribe presence');

    const sent = Array.from({ length: 60 }, (_, i) => frame(i, 1));
    for (const f of sent) a.link.publishFrame('NET', f);
    await eventually(() => b.frames.length >= 60, 'B has all 60 frames');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.frames.length, 60, 'exactly once');
    b.frames.forEach((f, i) => {
      assert.equal(f.room, 'NET');
      assert.equal(f.origin, 'srv-a');
      assert.ok(f.frame.equals(sent[i]!), `frame ${i} byte-identical and in order`);
    });
    assert.equal(a.frames.length, 0, 'no echo to the publisher');
    assert.equal(a.link.stats().frames_published, 60);
    assert.equal(b.link.stats().frames_received, 60);

    // Interest only: a room nobody else has is not delivered to anyone (out_msgs of the
    // nats-server does not move); B neither receives nor has to reject it.
    const before = ((await node.monitor('varz')) as { out_msgs: number }).out_msgs;
    for (let i = 0; i < 20; i++) a.link.publishFrame('QUIET', frame(i, 2));
    await pollAsync(async () => ((await node.monitor('varz')) as { in_msgs: number }).in_msgs >= 80, 'the nats-server got the QUIET frames');
    assert.equal(((await node.monitor('varz')) as { out_msgs: number }).out_msgs, before, 'nobody was sent a QUIET frame');
    assert.equal(b.frames.length, 60);
    assert.equal(b.link.stats().frames_rejected, 0);

    // Giving up a room unsubscribes it: A's frames no longer reach B.
    b.link.setInterest('NET', false);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 1, 'B unsubscribed NET');
    assert.deepEqual(b.link.stats().subscribed_rooms, []);
    const inBefore = ((await node.monitor('varz')) as { in_msgs: number }).in_msgs;
    a.link.publishFrame('NET', frame(100, 3));
    // Subscribing again before the nats-server has routed frame 100 would race it.
    await pollAsync(async () => ((await node.monitor('varz')) as { in_msgs: number }).in_msgs > inBefore, 'the nats-server got frame 100');
    b.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 2, 'B subscribed NET again');
    a.link.publishFrame('NET', frame(101, 3));
    await eventually(() => b.frames.length >= 61, 'B has the frame sent after it subscribed again');
    assert.equal(b.frames.length, 61, `B got ${b.frames.map((f) => f.frame.readUInt32BE(12)).slice(60).join(',')}`);
    assert.equal(b.frames[60]!.frame.readUInt32BE(12), 101, 'the frame sent while B was not interested never arrives');

    // Hostile publishers (these links run open trust, so the format is all that is checked
    // here; signatures have their own tests): not a frame, no token, B's own id, a bad
    // origin token, a bad presence.
    const evil = await raw(node);
    const seal = new InterlinkTrust({ serverId: 'evil', mode: 'open', key: null, peers: new Map() });
    const noToken = frame(1);
    noToken[7] = 0;
    const ctl = (m: Uint8Array): Buffer => seal.sealControl('opv.presence.evil', m);
    evil.publish('opv.room.NET.evil', Buffer.alloc(100));
    evil.publish('opv.room.NET.evil', seal.sealFrame('opv.room.NET.evil', noToken));
    evil.publish('opv.room.NET.srv-b', seal.sealFrame('opv.room.NET.srv-b', frame(2)));
    evil.publish('opv.room.NET.bad_id', seal.sealFrame('opv.room.NET.bad_id', frame(3)));
    evil.publish('opv.presence.evil', ctl(new TextEncoder().encode('{"v":1,"kind":"bye"')));
    evil.publish('opv.presence.evil', ctl(encodePresence({ v: 1, kind: 'bye', server: 'someone-else', at: Date.now() })));
    evil.publish('opv.presence.evil', ctl(encodePresence({ v: 1, kind: 'join', server: 'evil', at: Date.now(), callsign: 'N0CALL', room: 'NET' })));
    await evil.flush();
    await eventually(() => b.link.stats().frames_rejected === 4 && b.presence.length === 1, 'B rejected 4 frames and took the one good presence');
    assert.equal(b.frames.length, 61);
    assert.equal(b.link.extraStats().presence_rejected, 2);
    assert.deepEqual(b.presence[0], { v: 1, kind: 'join', server: 'evil', at: b.presence[0]!.at, callsign: 'N0CALL', room: 'NET' });
    assert.ok(b.logs.some((l) => /another server publishes as server-id srv-b/.test(l)), 'a duplicate server id is reported');
    await evil.close();

    // A name that is not a room (a NATS wildcard or separator in it) is never a subject.
    a.link.publishFrame('NET.>', frame(1));
    a.link.publishFrame('*', frame(1));
    assert.equal(a.link.stats().frames_not_published, 2);
    b.link.setInterest('>', true);
    b.link.setInterest('net', true);
    assert.deepEqual(b.link.stats().subscribed_rooms, ['NET']);

    // Presence between the two, never to oneself.
    assert.equal(a.link.publishPresence({ v: 1, kind: 'talk', server: 'srv-a', at: Date.now(), callsign: 'W1AW', room: 'NET', talking: true }), true);
    await eventually(() => b.presence.some((m) => m.kind === 'talk' && m.server === 'srv-a'), 'B hears A talking');
    assert.equal(a.presence.filter((m) => m.server === 'srv-a').length, 0);

    // A clean close says bye.
    await a.link.close();
    await eventually(() => b.presence.some((m) => m.kind === 'bye' && m.server === 'srv-a'), 'B hears A say bye');
    assert.equal(a.states.at(-1)?.state, 'closed');
  } finally {
    await a.link.close();
    await b.link.close();
    await node.kill();
  }
});

test('nats-server down: nothing published, nothing stale after the restart, rooms subscribed again by themselves', { skip, timeout: 120_000 }, async () => {
  const node = await startNatsNode({ name: 'restart' });
  const a = makeLink('srv-a', [node.url]);
  const b = makeLink('srv-b', [node.url]);
  try {
    await a.link.start();
    await b.link.start();
    a.link.setInterest('NET', true);
    b.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 2, 'both subscribe NET');
    a.link.publishFrame('NET', frame(0, 1));
    await eventually(() => b.frames.length === 1, 'a frame passes before the cut');

    await node.kill();
    await eventually(() => !a.link.connected && !b.link.connected, 'both see the link down');
    // On a busy machine the first reconnect attempt may have failed already by the time this looks.
    assert.match(a.link.stats().state, /^(disconnected from .*; reconnecting|cannot connect to .*; retrying)$/);
    assert.ok(a.logs.some((l) => /^warn NATS: disconnected from/.test(l)), a.logs.join('\n'));
    for (let i = 1; i <= 25; i++) a.link.publishFrame('NET', frame(i, 2));
    assert.equal(a.link.stats().frames_not_published, 25);
    assert.equal(a.link.stats().frames_published, 1);

    await node.start();
    await eventually(() => a.link.connected && b.link.connected, 'both reconnect', 20_000);
    assert.equal(a.link.stats().reconnects, 1);
    assert.match(a.link.stats().state, /^reconnected to 127\.0\.0\.1:\d+$/);
    // The new nats-server knows nothing: the clients subscribed again on their own.
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 2, 'both subscribed NET again');
    for (let i = 0; i < 5; i++) a.link.publishFrame('NET', frame(1000 + i, 3));
    await eventually(() => b.frames.length === 6, 'the fresh frames arrive');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      b.frames.map((f) => f.frame.readUInt32BE(16)),
      [1, 3, 3, 3, 3, 3],
      'none of the frames offered while NATS was down is delivered afterwards',
    );
    assert.equal(b.link.stats().frames_rejected, 0);
  } finally {
    await a.link.close();
    await b.link.close();
    await node.kill();
  }
});

test('NATS down when the server starts: start() resolves, it says so once, and connects when NATS comes up', { skip, timeout: 60_000 }, async () => {
  const node = await startNatsNode({ name: 'late' });
  await node.kill();
  const a = makeLink('srv-a', [node.url]);
  try {
    a.link.setInterest('NET', true);
    await a.link.start();
    assert.equal(a.link.connected, false);
    assert.match(a.link.stats().state, /^cannot connect to nats:\/\/127\.0\.0\.1:\d+: connection refused; retrying$/);
    a.link.publishFrame('NET', frame(1));
    assert.equal(a.link.stats().frames_not_published, 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(a.logs.filter((l) => /cannot connect/.test(l)).length, 1, 'said once, not per attempt');
    await node.start();
    await eventually(() => a.link.connected, 'connects once NATS is up', 20_000);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 1, 'the room wanted before the connection is subscribed');
  } finally {
    await a.link.close();
    await node.kill();
  }
});

test('user and password in the --nats URL reach nats-server; a wrong password is said in words', { skip, timeout: 60_000 }, async () => {
  const node = await startNatsNode({ name: 'auth', auth: { user: 'opv', pass: 'hunter2' } });
  const good = makeLink('srv-a', [`nats://opv:hunter2@127.0.0.1:${node.port}`]);
  const bad = makeLink('srv-b', [`nats://opv:wrong@127.0.0.1:${node.port}`]);
  try {
    await good.link.start();
    assert.equal(good.link.connected, true, good.logs.join('\n'));
    await bad.link.start();
    assert.equal(bad.link.connected, false);
    assert.match(bad.link.stats().state, /authorization/i);
    assert.ok(!bad.logs.join('\n').includes('wrong'), 'the password is never logged');
  } finally {
    await good.link.close();
    await bad.link.close();
    await node.kill();
  }
});

/**
 * A TCP relay whose connections can freeze: both directions stop without closing, like
 * a cable pulled. While frozen, new connections are cut at once (the path is down);
 * thaw() lets new ones through again, but frozen connections stay dead.
 */
async function freezableProxy(targetPort: number): Promise<{ port: number; freeze(): void; thaw(): void; close(): void }> {
  const pairs: { client: Socket; upstream: Socket; frozen: boolean }[] = [];
  let cutNew = false;
  const srv: Server = createServer((client) => {
    if (cutNew) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    const pair = { client, upstream, frozen: false };
    pairs.push(pair);
    client.on('data', (d) => {
      if (!pair.frozen) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.frozen) client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    freeze() {
      cutNew = true;
      for (const p of pairs) p.frozen = true;
    },
    thaw() {
      cutNew = false;
    },
    close() {
      srv.close();
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
    },
  };
}

test('a silently dead link: noticed within about a second, nothing published into it, replaced, and nothing stale delivered', { skip, timeout: 60_000 }, async () => {
  const node = await startNatsNode({ name: 'stall' });
  const proxy = await freezableProxy(node.port);
  const a = makeLink('srv-a', [`nats://127.0.0.1:${proxy.port}`]);
  const b = makeLink('srv-b', [node.url]);
  try {
    await a.link.start();
    await b.link.start();
    b.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(node, 'opv.room.NET.*')) === 1, 'B subscribes NET');
    a.link.publishFrame('NET', frame(0, 1));
    await eventually(() => b.frames.length === 1, 'a frame passes through the proxy');

    proxy.freeze();
    const frozenAt = performance.now();
    await eventually(() => !a.link.connected, 'A notices the dead link', 5000, 20);
    const noticedMs = performance.now() - frozenAt;
    assert.ok(noticedMs < LIVENESS_DEADLINE_MS + 700, `noticed after ${Math.round(noticedMs)} ms`);
    assert.equal(a.link.extraStats().stalls, 1);
    assert.ok(a.states.some((s) => /^no answer from 127\.0\.0\.1:\d+ for 600 ms; reconnecting$/.test(s.state)), JSON.stringify(a.states));
    for (let i = 1; i <= 10; i++) a.link.publishFrame('NET', frame(i, 2));
    assert.equal(a.link.stats().frames_not_published, 10, 'nothing goes into the dead socket');
    // nats.js dropped the dead socket and dials again.
    // The dead socket is destroyed and A dials again (and again: the proxy is still frozen).
    await eventually(() => /^cannot connect to/.test(a.link.stats().state), 'A redials');
    // The nats-server drops its end of the dead connection by itself (ping_interval, ping_max).
    await pollAsync(async () => ((await node.monitor('connz')) as { num_connections: number }).num_connections === 1, 'the nats-server dropped the dead client', 10_000);

    proxy.thaw();
    await eventually(() => a.link.connected, 'A is back through a new connection', 10_000);
    a.link.publishFrame('NET', frame(99, 3));
    await eventually(() => b.frames.length >= 2, 'a fresh frame passes');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(b.frames.map((f) => f.frame.readUInt32BE(16)), [1, 3], 'none of the frames offered during the cut arrives');
  } finally {
    proxy.close();
    await a.link.close();
    await b.link.close();
    await node.kill();
  }
});

test('3-node cluster: kill -9 the node a server is connected to, frames flow again within 0.5 s', { skip, timeout: 180_000 }, async (t) => {
  const hubs = await startNatsCluster(3);
  const [hubA, hubB] = hubs as [NatsNode, NatsNode, NatsNode];
  // A is given only hub-a: it must fail over to the cluster URLs it learned.
  const a = makeLink('srv-a', [hubA.url]);
  const b = makeLink('srv-b', [hubB.url]);
  let timer: NodeJS.Timeout | undefined;
  try {
    await a.link.start();
    await b.link.start();
    a.link.setInterest('NET', true);
    b.link.setInterest('NET', true);
    // Interest reaches every node through the routes before the test relies on it.
    await pollAsync(async () => (await subCount(hubA, 'opv.room.NET.*')) === 1 && (await subCount(hubB, 'opv.room.NET.*')) === 1, 'both subscribe NET');
    for (const h of hubs) await pollAsync(async () => (await h.routedSubjects()).filter((s) => s === 'opv.room.NET.*').length >= 1, `${h.name} learned NET interest over a route`);

    let seq = 0;
    timer = setInterval(() => a.link.publishFrame('NET', frame(seq++, 7)), 20);
    await eventually(() => b.frames.length >= 20, 'frames flow from A to B');
    const killAt = performance.now();
    await hubA.kill();
    await eventually(() => a.link.stats().reconnects === 1 && a.link.connected, 'A reconnects to another node', 20_000);
    assert.notEqual(a.link.stats().nats_server, `127.0.0.1:${hubA.port}`);
    await eventually(() => b.frames.some((f) => f.at > killAt + 200), 'frames flow again after the kill', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(timer);
    timer = undefined;

    const times = b.frames.map((f) => f.at);
    let maxGap = 0;
    for (let i = 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i]! - times[i - 1]!);
    t.diagnostic(`longest gap at B across the kill: ${Math.round(maxGap)} ms`);
    assert.ok(maxGap < 500, `the longest gap at B was ${Math.round(maxGap)} ms`);
    const seqs = b.frames.map((f) => f.frame.readUInt32BE(12));
    assert.equal(new Set(seqs).size, seqs.length, 'no frame twice');
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in order');
    assert.equal(b.link.stats().frames_rejected, 0);
  } finally {
    if (timer) clearInterval(timer);
    await a.link.close();
    await b.link.close();
    for (const h of hubs) await h.kill();
  }
});

test('full mesh plus a leaf node: every frame reaches every other server exactly once; the leaf gets a room only while someone there listens', { skip, timeout: 180_000 }, async () => {
  const hubs = await startNatsCluster(3);
  const leaf = await startNatsLeaf(hubs);
  const [hubA, hubB] = hubs as [NatsNode, NatsNode, NatsNode];
  const a = makeLink('srv-a', [hubA.url]);
  const b = makeLink('srv-b', [hubB.url]);
  const c = makeLink('srv-c', [leaf.url]);
  try {
    await Promise.all([a.link.start(), b.link.start(), c.link.start()]);
    // Only A and B listen: the leaf must not be sent NET at all.
    a.link.setInterest('NET', true);
    b.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(hubA, 'opv.room.NET.*')) === 1 && (await subCount(hubB, 'opv.room.NET.*')) === 1, 'A and B subscribe NET');
    for (const h of hubs) await pollAsync(async () => (await h.routedSubjects()).includes('opv.room.NET.*'), `${h.name} learned NET interest`);
    const leafIn = (): Promise<number> => leaf.monitor('varz').then((v) => (v as { in_msgs: number }).in_msgs);
    const leafBefore = await leafIn();
    for (let i = 0; i < 10; i++) a.link.publishFrame('NET', frame(i, 1));
    await eventually(() => b.frames.length === 10, 'B has A\'s frames');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await leafIn(), leafBefore, 'no NET frame crossed to the leaf where nobody listens');

    c.link.setInterest('NET', true);
    await pollAsync(async () => (await subCount(leaf, 'opv.room.NET.*')) === 1, 'C subscribes NET on the leaf');
    // The hubs learn C's interest over the leaf connection.
    await pollAsync(async () => (await Promise.all(hubs.map((h) => h.leafSubjects()))).flat().includes('opv.room.NET.*'), 'a hub knows the leaf wants NET');
    const sentA = Array.from({ length: 20 }, (_, i) => frame(100 + i, 2));
    const sentC = Array.from({ length: 20 }, (_, i) => frame(200 + i, 3, 'K1ABC'));
    for (let i = 0; i < 20; i++) {
      a.link.publishFrame('NET', sentA[i]!);
      c.link.publishFrame('NET', sentC[i]!);
    }
    await eventually(() => b.frames.length === 50 && c.frames.length === 20 && a.frames.length === 20, 'every server has the others\' frames');
    await new Promise((r) => setTimeout(r, 500));
    const byOrigin = (h: Harness, origin: string): Buffer[] => h.frames.filter((f) => f.origin === origin).map((f) => f.frame);
    assert.equal(b.frames.length, 50, 'B: 10 + 20 from A, 20 from C, none twice');
    assert.deepEqual(byOrigin(b, 'srv-a').slice(10), sentA);
    assert.deepEqual(byOrigin(b, 'srv-c'), sentC);
    assert.deepEqual(byOrigin(c, 'srv-a'), sentA, 'C: A\'s frames once, in order, byte-identical');
    assert.equal(c.frames.length, 20, 'C never hears itself');
    assert.deepEqual(byOrigin(a, 'srv-c'), sentC, 'A: C\'s frames once');
    assert.equal(a.frames.length, 20, 'A never hears itself');
    for (const h of [a, b, c]) assert.equal(h.link.stats().frames_rejected, 0);
  } finally {
    await Promise.all([a.link.close(), b.link.close(), c.link.close()]);
    await leaf.kill();
    for (const h of hubs) await h.kill();
  }
});

test('packaging/nats: the example hub and leaf configs form a cluster with a leaf that carries rooms between servers; each server\'s NATS user publishes on its own subjects only', { skip, timeout: 120_000 }, async () => {
  // The examples use their hosts' addresses; here every address:port becomes a free loopback port.
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-nats-pkg-'));
  const ports = new Map<string, number>();
  const procs: Proc[] = [];
  const monitor: Record<string, number> = {};
  const client: Record<string, number> = {};
  // users.conf takes the passwords from nats-server's environment.
  const pass = { 'club-east': 'pw-east', 'club-west': 'pw-west', 'region-1': 'pw-region' };
  const env = { ...process.env, OPV_NATS_PASS_CLUB_EAST: pass['club-east'], OPV_NATS_PASS_CLUB_WEST: pass['club-west'], OPV_NATS_PASS_REGION_1: pass['region-1'] };
  writeFileSync(path.join(dir, 'users.conf'), readFileSync(path.join(repoRoot, 'packaging', 'nats', 'users.conf')));
  try {
    for (const name of ['hub-a', 'hub-b', 'hub-c', 'leaf']) {
      let text = readFileSync(path.join(repoRoot, 'packaging', 'nats', `${name}.conf`), 'utf8');
      const addrs = [...new Set(text.match(/\b\d+\.\d+\.\d+\.\d+:\d+\b/g) ?? [])];
      for (const addr of addrs) {
        // Each node has its own loopback monitoring port; the others are shared names.
        const key = addr.startsWith('127.') ? `${name}/${addr}` : addr;
        if (!ports.has(key)) ports.set(key, await freeTcpPort());
        text = text.split(addr).join(`127.0.0.1:${ports.get(key)!}`);
        if (addr.startsWith('127.')) monitor[name] = ports.get(key)!;
      }
      const listen = /^listen: 127\.0\.0\.1:(\d+)$/m.exec(text);
      client[name] = Number(listen![1]);
      const file = path.join(dir, `${name}.conf`);
      writeFileSync(file, text);
      const p = new Proc(NATS_SERVER_BIN, ['-c', file], { env });
      procs.push(p);
      await p.waitForLine(/Server is ready/, 15_000);
    }
    const get = async (name: string, endpoint: string): Promise<Record<string, unknown>> =>
      (await (await fetch(`http://127.0.0.1:${monitor[name]!}/${endpoint}`)).json()) as Record<string, unknown>;
    for (const hub of ['hub-a', 'hub-b', 'hub-c']) await pollAsync(async () => (await get(hub, 'routez')).num_routes === 2, `${hub} has both routes`, 30_000);
    await pollAsync(async () => (await get('leaf', 'leafz')).leafnodes === 1, 'the leaf is connected to a hub', 30_000);

    const a = makeLink('club-east', [`nats://club-east:${pass['club-east']}@127.0.0.1:${client['hub-a']!}`]);
    const c = makeLink('region-1', [`nats://region-1:${pass['region-1']}@127.0.0.1:${client.leaf!}`]);
    // club-east's NATS user posing as club-west: the hub refuses its publications.
    const posing = makeLink('club-west', [`nats://club-east:${pass['club-east']}@127.0.0.1:${client['hub-b']!}`]);
    try {
      await a.link.start();
      await c.link.start();
      await posing.link.start();
      await eventually(() => a.link.connected && c.link.connected && posing.link.connected, 'all three connected with their users');
      c.link.setInterest('NET', true);
      const sent = frame(1, 9);
      // Interest crosses the leaf connection and the routes in a moment; publish until it arrives.
      for (let i = 0; i < 100 && c.frames.length === 0; i++) {
        a.link.publishFrame('NET', sent);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(c.frames.length > 0 && c.frames[0]!.frame.equals(sent), 'a frame from a hub server reached the leaf server');
      const before = c.frames.length;
      for (let i = 0; i < 10; i++) posing.link.publishFrame('NET', frame(2, 9));
      await posing.link.close();
      a.link.publishFrame('NET', frame(3, 9));
      await eventually(() => c.frames.length > before, 'a later frame of club-east arrives');
      assert.deepEqual(c.frames.slice(before).map((f) => f.origin), ['club-east'], 'nothing published under another server\'s subject');
    } finally {
      await a.link.close();
      await c.link.close();
      await posing.link.close().catch(() => undefined);
    }
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
});

test('close() never hangs: not yet connected, or with the nats-server gone', { skip, timeout: 60_000 }, async () => {
  const node = await startNatsNode({ name: 'closing' });
  const never = makeLink('srv-x', ['nats://127.0.0.1:1']);
  const cut = makeLink('srv-y', [node.url]);
  await never.link.start();
  await cut.link.start();
  cut.link.setInterest('NET', true);
  await node.kill();
  await eventually(() => !cut.link.connected, 'the link is down');
  const t0 = performance.now();
  await Promise.all([never.link.close(), cut.link.close()]);
  assert.ok(performance.now() - t0 < 3000, `closed in ${Math.round(performance.now() - t0)} ms`);
  assert.equal(cut.link.stats().state, 'closed');
  // Each failed attempt says so in a state event: none may follow the close.
  const states = never.states.length;
  assert.equal(never.states.at(-1)?.state, 'closed');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(never.states.length, states, 'no more attempts after close');
});

test('a busy event loop is not taken for a dead link', { skip, timeout: 60_000 }, async () => {
  const node = await startNatsNode({ name: 'busy' });
  const a = makeLink('srv-a', [node.url]);
  try {
    await a.link.start();
    for (let round = 0; round < 6; round++) {
      // Each block starts in the timers phase right after the (overdue) probe sent its
      // PING, so the PONG waits unread while the loop is held past the deadline.
      await new Promise((r) => setTimeout(r, 0));
      const end = performance.now() + LIVENESS_DEADLINE_MS + 200;
      while (performance.now() < end) {
        // Busy: the probe's answer arrives but cannot be read.
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(a.link.extraStats().stalls, 0, a.logs.join('\n'));
    assert.equal(a.link.connected, true);
    assert.equal(a.link.stats().reconnects, 0);
  } finally {
    await a.link.close();
    await node.kill();
  }
});
