// What the station remembers of others stays bounded on its clock: stations that go
// without a BYE are forgotten, per-transmission tallies are constant-space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirtimeTally } from '../../src/station/airtime.js';
import { HEARD_FORGET_MS, heardToForget, MAX_HEARD_STATIONS } from '../../src/station/heard-expiry.js';
import { FrameReceiver, MAX_REASSEMBLY_STATIONS, REASSEMBLY_IDLE_MS } from '../../src/station/receive.js';
import { encodeCallsign, frameMessage, MessageBuilder } from '../../src/protocol/index.js';

test('a station silent past HEARD_FORGET_MS is forgotten, one talking or recently heard is not', () => {
  const t0 = 1_000_000;
  const heard = [
    { callsign: 'W1GONE', lastHeard: t0, talking: false },
    { callsign: 'K2TALK', lastHeard: t0, talking: true },
    { callsign: 'N3HERE', lastHeard: t0 + 60_000, talking: false },
  ];
  assert.deepEqual(heardToForget(heard, t0 + HEARD_FORGET_MS), []);
  assert.deepEqual(heardToForget(heard, t0 + HEARD_FORGET_MS + 1), ['W1GONE']);
  assert.deepEqual(heardToForget(heard, t0 + 60_000 + HEARD_FORGET_MS + 1), ['W1GONE', 'N3HERE']);
});

test('more than MAX_HEARD_STATIONS heard: the longest silent go first, talkers stay', () => {
  const now = 5_000_000;
  const heard = Array.from({ length: MAX_HEARD_STATIONS + 3 }, (_, i) => ({ callsign: `S${i}`, lastHeard: now - 1000 + i, talking: i === 0 }));
  const gone = heardToForget(heard, now);
  assert.deepEqual(gone, ['S1', 'S2', 'S3']);
  assert.deepEqual(heardToForget(heard, now, { idleMs: HEARD_FORGET_MS, max: 2 }).length, MAX_HEARD_STATIONS + 1);
});

test('the airtime tally counts transmissions and time on air in constant space', () => {
  const t = new AirtimeTally();
  for (let id = 1; id <= 10_000; id++) {
    // Each entry arrives while open (growing), then once closed — sometimes twice.
    t.add({ id, durationMs: 400, open: true });
    t.add({ id, durationMs: 800, open: true });
    t.add({ id, durationMs: 1000, open: false });
    if (id % 3 === 0) t.add({ id, durationMs: 1000, open: false });
  }
  assert.equal(t.transmissions, 10_000);
  assert.equal(t.onAirMs, 10_000_000);
  assert.ok(t.heldIds <= 16, `holds ${t.heldIds} ids`);
  t.add({ id: 10_001, durationMs: 1200, open: true });
  assert.equal(t.transmissions, 10_001);
  assert.equal(t.onAirMs, 10_001_200);
});

test('open entries whose close never came are closed by the cap, still counted once', () => {
  const t = new AirtimeTally();
  for (let id = 1; id <= 100; id++) t.add({ id, durationMs: 40, open: true });
  assert.equal(t.transmissions, 100);
  assert.equal(t.onAirMs, 4000);
  assert.ok(t.heldIds <= 16);
});

const builder = new MessageBuilder({ source: [10, 0, 0, 2], destination: [10, 0, 0, 1], sourcePorts: { voice: 1, text: 1, control: 1 }, initialIdentification: 1 });
function framesOf(from: string, text: string): Uint8Array[] {
  return frameMessage(encodeCallsign(from), builder.text(text));
}

test('reassembly buffers of senders idle past REASSEMBLY_IDLE_MS are freed on the injected clock', () => {
  let now = 0;
  const rx = new FrameReceiver(encodeCallsign('K5ME'), () => now);
  const chats: string[] = [];
  rx.on('chat', (c) => chats.push(`${c.from}:${c.text}`));
  for (const call of ['W1AAA', 'W1BBB', 'W1CCC']) for (const f of framesOf(call, 'hi')) rx.push(f);
  assert.equal(rx.stations, 3);
  now = 30_000;
  for (const f of framesOf('W1BBB', 'still here')) rx.push(f);
  now = REASSEMBLY_IDLE_MS + 1;
  rx.expire();
  assert.equal(rx.stations, 1, 'W1AAA and W1CCC freed, W1BBB kept');
  now = 30_000 + REASSEMBLY_IDLE_MS + 1;
  rx.expire();
  assert.equal(rx.stations, 0);
  // A freed sender that comes back is heard as before.
  for (const f of framesOf('W1AAA', 'back')) rx.push(f);
  assert.deepEqual(chats, ['W1AAA:hi', 'W1BBB:hi', 'W1CCC:hi', 'W1BBB:still here', 'W1AAA:back']);
});

test('frames under ever new station ids never hold more than MAX_REASSEMBLY_STATIONS buffers', () => {
  const rx = new FrameReceiver(encodeCallsign('K5ME'), () => 0);
  for (let i = 0; i < MAX_REASSEMBLY_STATIONS + 500; i++) {
    const call = `W${i % 10}${String.fromCharCode(65 + (Math.floor(i / 10) % 26))}${String.fromCharCode(65 + (Math.floor(i / 260) % 26))}${String.fromCharCode(65 + (Math.floor(i / 6760) % 26))}`;
    rx.push(framesOf(call, 'x'.repeat(300))[0]!);
  }
  assert.equal(rx.stations, MAX_REASSEMBLY_STATIONS);
});
