import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { holdProxy } from '../helpers/hold-proxy.js';
import { natsSkip, pollAsync, startNatsNode, type NatsNode } from '../helpers/nats.js';
import type { SimStation } from '../helpers/sim-station.js';
import { registeredSim, startServer, type RunningServer } from './support/stations.js';

// Exactly once under stalls: a nats-server stopped (SIGSTOP) for 3, 5 and 10 s, and a link
// that flaps (a proxy that holds the bytes, then delivers them late). Every chat line the
// talker sends is numbered; the listener on the other server must never hear one twice,
// must hear the lines sent after each recovery, and each server must hold one NATS
// connection, not two. The nats-server has the packaged ping settings (500 ms, 2).

const skip = natsSkip();

async function namedConnections(node: NatsNode, name: string): Promise<number> {
  const z = (await node.monitor('connz')) as { connections?: { name?: string }[] };
  return (z.connections ?? []).filter((c) => c.name === name).length;
}

/** Numbered lines from `talker` every 40 ms until stopped. */
function talk(talker: SimStation, tag: string): { sent: () => number; stop(): void } {
  let n = 0;
  const t = setInterval(() => talker.chat(`${tag} ${n++}`), 40);
  return { sent: () => n, stop: () => clearInterval(t) };
}

function twice(lines: string[]): string[] {
  const seen = new Set<string>();
  return lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
}

async function pair(t: TestContext, nats: NatsNode, aUrl: string): Promise<{ a: RunningServer; b: RunningServer; talker: SimStation; listener: SimStation }> {
  const a = await startServer(['--nats', aUrl, '--server-id', 'hub-a'], t);
  const b = await startServer(['--nats', nats.url, '--server-id', 'hub-b'], t);
  await a.proc.waitForLine(/NATS: connected/);
  await b.proc.waitForLine(/NATS: connected/);
  const talker = await registeredSim('W1TLK', a.port, a, t);
  const listener = await registeredSim('W2LST', b.port, b, t);
  await a.proc.waitForLine(/REMOTE STATION: W2LST on hub-b/);
  await b.proc.waitForLine(/REMOTE STATION: W1TLK on hub-a/);
  return { a, b, talker, listener };
}

test('nats-server stopped (SIGSTOP) for 3, 5 and 10 s: no line twice, lines flow again, one NATS connection per server', { skip, timeout: 180_000 }, async (t) => {
  const nats = await startNatsNode({ name: 'stop', pingInterval: '500ms', pingMax: 2 });
  t.after(() => nats.kill());
  const { talker, listener } = await pair(t, nats, nats.url);
  for (const seconds of [3, 5, 10]) {
    const tag = `stop${seconds}`;
    const talking = talk(talker, tag);
    await listener.until(() => listener.texts('W1TLK').some((l) => l.startsWith(tag)), 8000, `${tag}: lines cross before the stop`);
    nats.proc!.kill('SIGSTOP');
    // The stall lasts this long on purpose.
    await new Promise((r) => setTimeout(r, seconds * 1000));
    nats.proc!.kill('SIGCONT');
    const resumedAt = talking.sent();
    await listener.until(() => listener.texts('W1TLK').some((l) => l.startsWith(tag) && Number(l.split(' ')[1]) > resumedAt + 25), 20_000, `${tag}: lines flow again`);
    // Duplicates came from a second connection that lived on after the stall: watch for them.
    await pollAsync(async () => (await namedConnections(nats, 'opv-hub-a')) === 1 && (await namedConnections(nats, 'opv-hub-b')) === 1, `${tag}: one connection each`, 10_000);
    // A watch window, fixed on purpose: duplicates from a lingering connection would arrive in it.
    await new Promise((r) => setTimeout(r, 2000));
    talking.stop();
    assert.equal(await namedConnections(nats, 'opv-hub-a'), 1, `${tag}: hub-a holds one NATS connection`);
    assert.equal(await namedConnections(nats, 'opv-hub-b'), 1, `${tag}: hub-b holds one NATS connection`);
    const heard = listener.texts('W1TLK').filter((l) => l.startsWith(`${tag} `));
    t.diagnostic(`${tag}: sent ${talking.sent()}, heard ${heard.length}`);
    assert.deepEqual(twice(heard), [], `${tag}: lines heard twice`);
  }
});

test('a flapping link (held five times for a second, then delivered late): no line twice, and one connection', { skip, timeout: 120_000 }, async (t) => {
  const nats = await startNatsNode({ name: 'flap', pingInterval: '500ms', pingMax: 2 });
  t.after(() => nats.kill());
  const proxy = await holdProxy(nats.port);
  t.after(() => proxy.close());
  const { listener, talker } = await pair(t, nats, `nats://127.0.0.1:${proxy.port}`);
  const talking = talk(talker, 'flap');
  await listener.until(() => listener.texts('W1TLK').length > 0, 8000, 'lines cross');
  for (let i = 0; i < 5; i++) {
    proxy.hold();
    // Held for a second on purpose.
    await new Promise((r) => setTimeout(r, 1000));
    proxy.release();
    const at = talking.sent();
    await listener.until(() => listener.texts('W1TLK').some((l) => Number(l.split(' ')[1]) > at + 10), 20_000, `lines flow after flap ${i + 1}`);
  }
  await pollAsync(async () => (await namedConnections(nats, 'opv-hub-a')) === 1, 'hub-a back to one connection', 10_000);
  // A watch window, fixed on purpose: duplicates from a lingering connection would arrive in it.
  await new Promise((r) => setTimeout(r, 2000));
  talking.stop();
  assert.equal(await namedConnections(nats, 'opv-hub-a'), 1);
  const heard = listener.texts('W1TLK');
  t.diagnostic(`sent ${talking.sent()}, heard ${heard.length}`);
  assert.deepEqual(twice(heard), []);
});
