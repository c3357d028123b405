/**
 * History that matches what happened on the air: a long chat line keyed over at once,
 * a sender restarting with a sequence behind its old one, the reference station's
 * start-up self-test frame, PTT without a microphone, and 20 % loss with reordering.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startStation, type StationProc } from './support/stations.js';
import { speechWav } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { lossyProxy } from '../helpers/udp-proxy.js';
import { HistoryStore } from '../../src/station/history.js';
import type { TransmissionEntry } from '../../src/station/types.js';
import { eventually } from '../helpers/eventually.js';

function received(dataDir: string, callsign: string): TransmissionEntry[] {
  return HistoryStore.open(dataDir, { maxEntries: 1000, maxAgeDays: 30 })
    .list()
    .filter((e): e is TransmissionEntry => e.type === 'transmission' && e.direction === 'in' && e.callsign === callsign);
}

test('a 400-character chat line followed at once by PTT arrives intact, then the transmission', async (t) => {
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  await b.proc.waitForLine(/🔗 connected/);
  const long = Array.from({ length: 50 }, (_, i) => `word${String(i).padStart(4, '0')}`).join(' ').slice(0, 400);
  assert.equal(long.length, 400);
  a.proc.sendLine(long);
  a.proc.sendLine('/ptt on');
  // Our own entry shows its running length while on air (looked at first, and any length:
  // on a loaded machine the 7.4 s may be over by the time a second has been seen).
  let last = '';
  await eventually(
    async () => {
      const mark = a.proc.lines.length;
      a.proc.sendLine('/history 1');
      last = await a.proc.waitForLine(/^#\d+ /, 5000, mark);
      return /➡ W1ABC transmission \d+\.\d s, [1-9]\d* frames, 0 lost \(on air\)$/.test(last);
    },
    () => `a running length while on air (last: ${last})`,
    8000,
    200,
  );
  await b.proc.waitForLine(new RegExp(`^📨 \\[W1ABC\\]: ${long}$`));
  await b.proc.waitForLine(/^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, 18\d frames, 0 lost$/, 20_000);
  b.proc.sendLine('/status');
  await b.proc.waitForLine(/frames: \d+ sent, 0 invalid, 0 decode errors/);
});

test('PTT without a microphone is refused with the reason; nobody sees a transmission', async (t) => {
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, ['--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await b.proc.waitForLine(/🔗 connected/);
  a.proc.sendLine('/ptt on');
  await a.proc.waitForLine(/PTT refused: no microphone \(--no-audio\); chat works/);
  a.proc.sendLine('after the refusal');
  await b.proc.waitForLine(/📨 \[W1ABC\]: after the refusal/);
  assert.equal(b.proc.count(/PTT was pressed/), 0);
  assert.equal(a.proc.count(/PTT was pressed/), 0);
});

/** A station VE3XYZ listening, and W1ABC as a protocol-level sender, on one server. */
async function listenerAndSender(t: TestContext): Promise<{ b: StationProc; sim: SimStation }> {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await b.proc.waitForLine(/🔗 connected/);
  const sim = new SimStation('W1ABC', { host: '127.0.0.1', port: srv.port });
  t.after(() => sim.close());
  await sim.bound;
  return { b, sim };
}

const TX_LINE = /^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, (\d+) frames, (\d+) lost$/;

/**
 * All 50 frames were heard. Not "0 lost": the sender here is the test's own process, and
 * when a loaded machine stalls it past the jitter window the receiver rightly counts the
 * silence it played as lost (seen in CI: 78 frames, 28 lost, every one of the 50 heard).
 */
function heardInFull(line: string): void {
  const [, frames, lost] = TX_LINE.exec(line)!;
  assert.equal(Number(frames) - Number(lost), 50, line);
}

test('a restarted sender whose sequence starts behind is heard in full; a lone self-test frame is no transmission', async (t) => {
  const srv = await startServer([], t);
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await b.proc.waitForLine(/🔗 connected/);
  const server = { host: '127.0.0.1', port: srv.port };
  const first = new SimStation('W1ABC', server, { rtpSequence: 40_000 });
  t.after(() => first.close());
  await first.bound;
  const port = first.port;
  first.chat('first life');
  await b.proc.waitForLine(/📨 \[W1ABC\]: first life/);
  await first.talk(50);
  heardInFull(await b.proc.waitForLine(TX_LINE, 10_000));
  await first.close();
  // The station restarts (no BYE) on the same address with a random sequence 30 000 behind.
  const second = new SimStation('W1ABC', server, { bindPort: port, rtpSequence: 10_000 });
  t.after(() => second.close());
  await second.bound;
  const mark = b.proc.lines.length;
  // The reference's start-up self-test: one voice frame, no PTT_START.
  second.voice();
  second.chat('second life');
  await b.proc.waitForLine(/📨 \[W1ABC\]: second life/, 5000, mark);
  await second.talk(50);
  heardInFull(await b.proc.waitForLine(TX_LINE, 10_000, mark));
  b.proc.sendLine('quit');
  assert.equal(await b.proc.wait(), 0);
  const tx = received(b.dataDir, 'W1ABC');
  assert.deepEqual(
    tx.map((e) => e.frames - e.framesLost),
    [50, 50],
    'two complete transmissions, no entry for the self-test frame',
  );
});

test('a sender stalled longer than the jitter window goes on where it left off: one entry, every frame, none lost', async (t) => {
  const { b, sim } = await listenerAndSender(t);
  // 1.5 s without a frame: the receiver's playout gives the talkspurt up (its PTT_STOP could
  // have been lost), then the frames go on with the next sequence number. Late, not lost.
  await sim.talk(60, 40, { afterFrames: 20, ms: 1500 });
  const line = await b.proc.waitForLine(TX_LINE, 10_000);
  assert.match(line, /transmission 2\.4 s, 60 frames, 0 lost$/);
  assert.equal(b.proc.count(/⬅ W1ABC transmission/), 1, 'one entry');
});

test('a receiving station stalled for 0.6 s (SIGSTOP) catches up without losing a frame', async (t) => {
  const { b, sim } = await listenerAndSender(t);
  const talking = sim.talk(75);
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  await new Promise((r) => setTimeout(r, 500));
  // Its playout falls 15 steps behind while 15 frames wait in its socket: once it runs
  // again they are due, not excess delay to drop, and they are read before playout looks.
  process.kill(b.proc.pid!, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 600));
  process.kill(b.proc.pid!, 'SIGCONT');
  await talking;
  const line = await b.proc.waitForLine(TX_LINE, 10_000);
  assert.match(line, /transmission 3\.0 s, 75 frames, 0 lost$/);
});

test('20 % loss with reordering: one entry per transmission, none phantom, none merged', async (t) => {
  const srv = await startServer([], t);
  const proxy = await lossyProxy(srv.port, 0.2, 50, 11);
  t.after(() => proxy.close());
  const a = await startStation('W1ABC', proxy.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await b.proc.waitForLine(/🔗 connected/);
  for (let i = 0; i < 2; i++) {
    const mark = a.proc.lines.length;
    a.proc.sendLine('/ptt on');
    await a.proc.waitForLine(/^🔇 W1ABC: PTT was released$/, 20_000, mark);
    // A pause longer than the jitter window between the two transmissions: fixed on purpose.
    await new Promise((r) => setTimeout(r, 1500));
  }
  b.proc.sendLine('quit');
  assert.equal(await b.proc.wait(), 0);
  assert.ok(proxy.dropped() > 50, `the proxy dropped ${proxy.dropped()}`);
  const tx = received(b.dataDir, 'W1ABC');
  const summary = JSON.stringify(tx.map((e) => [e.frames, e.framesLost]));
  assert.equal(tx.length, 2, `two transmissions: ${summary}`);
  for (const e of tx) {
    assert.ok(e.frames >= 170 && e.frames <= 186, `frames ${summary}`);
    assert.ok(e.framesLost > 10 && e.framesLost < e.frames * 0.4, `lost ${summary}`);
  }
});

test('frames missed at the start of a transmission (a link cut) count as lost', async (t) => {
  const { b, sim } = await listenerAndSender(t);
  sim.control('PTT_START');
  // The first 10 frames (400 ms) never arrive; the frames go out in real time, so the waits are fixed.
  sim.skipVoice(10);
  await new Promise((r) => setTimeout(r, 440));
  for (let i = 0; i < 40; i++) {
    sim.voice((i % 200) + 1);
    await new Promise((r) => setTimeout(r, 40));
  }
  sim.control('PTT_STOP');
  const line = await b.proc.waitForLine(/^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, (\d+) frames, (\d+) lost$/, 10_000);
  const [, frames, lost] = /(\d+) frames, (\d+) lost/.exec(line)!;
  assert.ok(Number(frames) >= 47 && Number(frames) <= 50, line);
  assert.ok(Number(lost) >= 7 && Number(lost) <= 10, line);
});
