import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { FrameClock } from '../../src/audio/frame-clock.js';

/** A monotonic clock that can be made to jump forward, as a stalled process sees time. */
function jumpyClock(): { now: () => number; jump: (ms: number) => void } {
  let offset = 0;
  return { now: () => performance.now() + offset, jump: (ms) => (offset += ms) };
}

function untilTicks(get: () => number, n: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => (get() >= n ? resolve() : void setTimeout(poll, 5));
    poll();
  });
}

test('after a stall the overdue ticks run back to back, so no time is lost', async () => {
  const c = jumpyClock();
  const clock = new FrameClock({ intervalMs: 40, firstTick: 1, now: c.now });
  const at: number[] = [];
  const behind: number[] = [];
  const t0 = c.now();
  clock.start((b) => {
    at.push(c.now() - t0);
    behind.push(b);
    if (at.length === 3) c.jump(200); // the process "stalls" for 200 ms
  });
  await untilTicks(() => at.length, 12);
  clock.stop();
  // Tick k is due at (k+1) × 40 ms on the (jumped) clock: after the jump ticks 4..8 are overdue at once.
  at.forEach((t, k) => assert.ok(t >= (k + 1) * 40 - 1, `tick ${k} at ${t.toFixed(1)} early`));
  const burst = at.slice(3, 8);
  assert.ok(burst.at(-1)! - burst[0]! < 20, `catch-up ticks ran together: ${burst.map((t) => t.toFixed(0)).join(', ')}`);
  assert.equal(clock.skipped, 0);
  // Each catch-up tick is told how many are still overdue after it.
  assert.deepEqual(behind.slice(3, 8), [4, 3, 2, 1, 0]);
});

test('a stall longer than maxCatchUp skips the excess instead of replaying seconds of ticks', async () => {
  const c = jumpyClock();
  const clock = new FrameClock({ intervalMs: 40, firstTick: 0, now: c.now, maxCatchUp: 5 });
  let n = 0;
  clock.start(() => {
    n++;
    if (n === 2) c.jump(40 * 100);
  });
  await untilTicks(() => n, 6);
  clock.stop();
  assert.ok(clock.skipped >= 90, `skipped ${clock.skipped}`);
  assert.ok(n < 20, `${n} ticks ran`);
});

test('stop() inside a tick ends the loop; start() again restarts the schedule', async () => {
  const clock = new FrameClock({ intervalMs: 10, firstTick: 0 });
  let n = 0;
  clock.start(() => {
    if (++n === 3) clock.stop();
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(n, 3);
  assert.equal(clock.running, false);
  let m = 0;
  clock.start(() => m++);
  await untilTicks(() => m, 3);
  clock.stop();
  assert.equal(n, 3);
});

/**
 * A stall in the loop's check phase (where a playout tick itself runs) while a datagram
 * arrives and a tick falls due: Node's next turn runs due timers before it reads sockets.
 * A second thread sends the datagram, so it is in the socket's buffer during the stall.
 */
async function tickAfterStallSees(afterPendingIo: boolean): Promise<number> {
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
  let got = 0;
  rx.on('message', () => got++);
  const sent = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const s = require('node:dgram').createSocket('udp4');
     const flag = new Int32Array(workerData.sent);
     parentPort.on('message', () => s.send(Buffer.from('x'), workerData.port, '127.0.0.1', () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); s.close(); }));
     parentPort.postMessage('ready');`,
    { eval: true, workerData: { sent: sent.buffer, port: rx.address().port } },
  );
  await once(worker, 'message');
  const clock = new FrameClock({ intervalMs: 20, firstTick: 1, afterPendingIo });
  try {
    return await new Promise<number>((resolve) => {
      let stalled = false;
      clock.start(() => {
        if (!stalled) return;
        clock.stop();
        resolve(got);
      });
      setImmediate(() => {
        worker.postMessage('send');
        Atomics.wait(sent, 0, 0, 5000);
        const until = performance.now() + 60;
        while (performance.now() < until);
        stalled = true;
      });
    });
  } finally {
    clock.stop();
    await worker.terminate();
    rx.close();
  }
}

test('afterPendingIo: the first tick after a stall sees what arrived during it (without: Node ticks first)', async () => {
  assert.equal(await tickAfterStallSees(false), 0, 'the premise: a due timer runs before the socket is read');
  assert.equal(await tickAfterStallSees(true), 1);
});
