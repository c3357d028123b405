import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { opvBin, repoRoot } from '../helpers/paths.js';
import { createTestNet, netnsAvailable, type TestNet } from '../helpers/netns.js';

const sim = path.join(repoRoot, 'dist', 'test', 'helpers', 'sim-station-cli.js');
const skip = netnsAvailable() ? false : 'needs root and iproute2 for network namespaces';
let net: TestNet | null = null;
const procs: Proc[] = [];
after(async () => {
  for (const p of procs) await p.stop('SIGKILL', 100);
  net?.close();
});

// The reference test plan puts the server and each station on separate machines.
test('three stations on separate hosts: registration, chat to all others, voice, BYE', { skip }, async () => {
  net = createTestNet(['srv', 'a', 'b', 'c']);
  const { srv, a, b, c } = net.hosts as Record<'srv' | 'a' | 'b' | 'c', { ns: string; ip: string }>;
  const server = new Proc('node', [opvBin, 'server', '-p', '57372', '--no-stats'], { netns: srv.ns });
  procs.push(server);
  await server.waitForLine(/Server ready/);
  const st = (call: string, host: { ns: string }) => {
    // Each station sends from and listens on 57372, as real stations do.
    const p = new Proc('node', [sim, call, srv.ip, '57372', '57372'], { netns: host.ns });
    procs.push(p);
    return p;
  };
  const A = st('W1ABC', a);
  const B = st('VE3XYZ', b);
  const C = st('K5XYZ', c);
  for (const p of [A, B, C]) await p.waitForLine(/^ready 57372$/);
  A.sendLine('chat hello from A');
  await server.waitForLine(new RegExp(`🆕 NEW STATION: W1ABC at ${a.ip.replace(/\./g, '\\.')}:57372`));
  B.sendLine('chat hello from B');
  // Each station hears what is sent after it registered: let B register before C speaks.
  await server.waitForLine(/NEW STATION: VE3XYZ/);
  C.sendLine('chat hello from C');
  await server.waitForLine(/NEW STATION: K5XYZ/);
  A.sendLine('chat round two');
  await B.waitForLine(/^heard W1ABC text round two$/);
  await C.waitForLine(/^heard W1ABC text round two$/);
  await A.waitForLine(/^heard K5XYZ text hello from C$/);
  await A.waitForLine(/^heard VE3XYZ text hello from B$/);
  await B.waitForLine(/^heard K5XYZ text hello from C$/);
  assert.equal(A.count(/^heard W1ABC/), 0, 'no echo');

  // Two stations transmit at once; each listener gets every voice frame of both.
  A.sendLine('talk 25');
  B.sendLine('talk 25');
  await A.waitForLine(/^done talk$/, 5000);
  await B.waitForLine(/^done talk$/, 5000);
  await C.waitForLine(/^heard W1ABC control PTT_STOP$/);
  await C.waitForLine(/^heard VE3XYZ control PTT_STOP$/);
  assert.equal(C.count(/^heard W1ABC voice /), 25);
  assert.equal(C.count(/^heard VE3XYZ voice /), 25);
  assert.equal(A.count(/^heard VE3XYZ voice /), 25);

  C.sendLine('control BYE');
  await server.waitForLine(/👋 STATION LEFT: K5XYZ/);
  A.sendLine('chat after C left');
  await B.waitForLine(/^heard W1ABC text after C left$/);
  assert.equal(C.count(/after C left/), 0);
});
