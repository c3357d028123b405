import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SIZE } from '../../src/protocol/index.js';
import type { SimStation } from '../helpers/sim-station.js';
import { boundSim, startServer, type RunningServer } from './support/stations.js';

// The extension at the frame level, on loopback: who gets what, and what the relay refuses to carry.

const sim = (t: TestContext, call: string, srv: RunningServer): Promise<SimStation> => boundSim(call, srv.port, t);

const fromServer = (s: SimStation): string[] => s.controls('OPV-SRV');

test('refusal reasons "full" and "not_allowed" reach a station that announced, once per state, never one that did not', async (t) => {
  const srv = await startServer(['--max-stations', '2', '--deny', 'K1DENY'], t);
  const a = await sim(t, 'W1ABC', srv);
  const b = await sim(t, 'VE3XYZ', srv);
  a.control('OPV-EXT:1');
  await a.until(() => fromServer(a).some((c) => c.startsWith('OPV:WELCOME 1 300')), 5000, 'WELCOME');
  await a.until(() => fromServer(a).some((c) => /^OPV:ROSTER \d+ 1\/1 W1ABC:\d+:0$/.test(c)), 5000, 'ROSTER');
  b.chat('hello');
  await a.until(() => fromServer(a).includes('OPV:JOIN VE3XYZ'), 5000, 'JOIN');

  // Full: the third station announced and is told; keepalives every 100 ms do not repeat it.
  const c = await sim(t, 'K5FULL', srv);
  c.control('OPV-EXT:1');
  for (let i = 0; i < 20; i++) {
    c.control(`KEEPALIVE:${Date.now() / 1000}`);
    // Paced on purpose: a station keeping alive for two seconds.
    await new Promise((r) => setTimeout(r, 100));
  }
  await c.until(() => fromServer(c).includes('OPV:REFUSED full -'), 5000, 'REFUSED full');
  assert.equal(fromServer(c).length, 1, `once: ${JSON.stringify(fromServer(c))}`);
  assert.equal(srv.proc.count(/STATION LIMIT \(2\) reached: K5FULL/), 1, 'logged once');

  // Denied by the access list; a denied station that never announced hears nothing.
  const d = await sim(t, 'K1DENY', srv);
  d.control('OPV-EXT:1');
  d.chat('let me in');
  await d.until(() => fromServer(d).includes('OPV:REFUSED not_allowed -'), 5000, 'REFUSED not_allowed');
  const e = await sim(t, 'K1DENY', srv);
  e.chat('me too');
  await srv.proc.waitForLine(/DENIED: K1DENY at 127\.0\.0\.1:\d+ \(access list\)/);
  // A quiet window: a refusal sent to the silent station would arrive in it.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(e.heard.length, 0);

  // B never announced: it hears A and C's ordinary traffic, never the server or an announcement.
  a.chat('chat from A');
  await b.until(() => b.texts('W1ABC').includes('chat from A'), 5000, 'chat');
  assert.equal(b.heard.filter((h) => h.from === 'OPV-SRV').length, 0);
  assert.equal(b.controls().filter((x) => x.startsWith('OPV')).length, 0, 'no OPV-EXT or OPV: control relayed');
  for (const s of [a, b, c, d]) assert.ok(s.rawFrames.every((f) => f.length === FRAME_SIZE));

  // Talking, as the relay sees it.
  await b.talk(5);
  await a.until(() => fromServer(a).includes('OPV:TALK VE3XYZ 1') && fromServer(a).includes('OPV:TALK VE3XYZ 0'), 5000, 'TALK deltas');

  // BYE: A is told, with the reason.
  b.control('BYE');
  await a.until(() => fromServer(a).includes('OPV:LEAVE VE3XYZ bye'), 5000, 'LEAVE');
});

test('a callsign taken over from another endpoint (after the hold-down) gets no extension traffic until that endpoint announces', async (t) => {
  const srv = await startServer(['--hijack-holddown', '1'], t);
  const a = await sim(t, 'W1ABC', srv);
  const watcher = await sim(t, 'VE3XYZ', srv);
  a.control('OPV-EXT:1');
  watcher.control('OPV-EXT:1');
  await a.until(() => fromServer(a).some((c) => c.startsWith('OPV:WELCOME')), 5000, 'WELCOME');
  await a.until(() => fromServer(a).includes('OPV:JOIN VE3XYZ'), 5000, 'JOIN');
  // A falls silent past the 1 s hold-down (a fixed wait: the time is what is tested); the
  // same callsign from another port (a reference station, say) takes over.
  await new Promise((r) => setTimeout(r, 1500));
  const ref = await sim(t, 'W1ABC', srv);
  ref.chat('reference here');
  await srv.proc.waitForLine(/ENDPOINT CHANGE: W1ABC/);
  void watcher.talk(3, 20);
  await ref.until(() => ref.controls('VE3XYZ').includes('PTT_STOP'), 5000, 'relayed PTT_STOP');
  assert.equal(ref.heard.filter((h) => h.from === 'OPV-SRV').length, 0, 'no extension traffic to the new endpoint');
  // Once it announces, it gets the extension.
  ref.control('OPV-EXT:1');
  await ref.until(() => fromServer(ref).some((c) => c.startsWith('OPV:WELCOME')), 5000, 'WELCOME after announcing');
});

test('"OPV-EXT:1+" refreshes cheaply; a fresh "OPV-EXT:1" (a restarted station) gets the roster again, at most every 10 s', async (t) => {
  const srv = await startServer([], t);
  const a = await sim(t, 'W1ABC', srv);
  const welcomes = (): number => fromServer(a).filter((c) => c.startsWith('OPV:WELCOME')).length;
  a.control('OPV-EXT:1');
  await a.until(() => welcomes() === 1, 5000, 'WELCOME');
  a.control('OPV-EXT:1+');
  a.control('OPV-EXT:1');
  // A quiet window: a WELCOME sent too early would arrive in it.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(welcomes(), 1, 'a refresh and a too-early request send nothing');
  // Fixed on purpose: past the 10 s limit on repeated WELCOMEs.
  await new Promise((r) => setTimeout(r, 9500));
  a.control('OPV-EXT:1');
  await a.until(() => welcomes() === 2, 5000, 'second WELCOME');
  await a.until(() => fromServer(a).filter((c) => c.startsWith('OPV:ROSTER')).length === 2, 5000, 'second ROSTER');
});
