import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageBuilder } from '../../src/protocol/index.js';
import { extFrames, type ExtMessage } from '../../src/protocol/ext.js';
import { ServerExtension, type ServerExtEvents } from '../../src/station/server-ext.js';

// The station's side of rooms, driven by real extension frames as the server builds them,
// on a fake clock (the engine's tick every 250 ms) with the real timing.

const SERVER = { address: '127.0.0.1', port: 57372 };
const builder = new MessageBuilder({ source: [127, 0, 0, 1], destination: [127, 0, 0, 1], sourcePorts: { voice: 57372, text: 57372, control: 57372 }, initialIdentification: 0 });
const TICK_MS = 250;

interface Harness {
  x: ServerExtension;
  sent: string[];
  events: { [K in keyof ServerExtEvents]?: ServerExtEvents[K][] };
  from: (m: ExtMessage, addr?: { address: string; port: number }) => void;
  ptt: { on: boolean };
  /** The fake clock moves on by `ms`, ticking as the engine does. */
  advance: (ms: number) => void;
}

function harness(wanted: string | null): Harness {
  const sent: string[] = [];
  const ptt = { on: false };
  const clock = { t: 1_000_000 };
  const x = new ServerExtension(() => SERVER, (t) => sent.push(t), () => clock.t, () => !ptt.on, wanted);
  const advance = (ms: number): void => {
    for (const end = clock.t + ms; clock.t < end; ) {
      clock.t = Math.min(end, clock.t + TICK_MS);
      x.tick();
    }
  };
  const events: Harness['events'] = {};
  const record = <K extends keyof ServerExtEvents>(k: K): void => {
    x.on(k, (p) => {
      const list = (events[k] ??= []) as ServerExtEvents[K][];
      list.push(p);
    });
  };
  for (const k of ['room', 'rooms', 'noRoom', 'noRooms', 'roster'] as const) record(k);
  const from = (m: ExtMessage, addr = SERVER): void => {
    for (const f of extFrames(builder, m)) assert.equal(x.take(f, addr), true);
  };
  return { x, sent, events, from, ptt, advance };
}

const roomRequests = (h: Harness): string[] => h.sent.filter((t) => t.startsWith('OPV-EXT:ROOM'));

test('asks for the wanted room after WELCOME only when the server put it elsewhere, and again after a re-WELCOME', () => {
  const h = harness('NET');
  h.x.start();
  assert.deepEqual(roomRequests(h), [], 'nothing asked before the handshake');
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  assert.deepEqual(roomRequests(h), [], 'WELCOME alone: the server says where we are next');
  h.from({ type: 'room', room: 'MAIN' });
  assert.deepEqual(roomRequests(h), ['OPV-EXT:ROOM NET']);
  assert.equal(h.events.room?.length ?? 0, 0, 'the stop in MAIN on the way is not announced');
  h.from({ type: 'room', room: 'NET' });
  h.from({ type: 'roster', snapshot: 2, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 1, talking: false }, { callsign: 'K1NET', connectedS: 9, talking: false }] });
  assert.deepEqual(h.events.room?.map((r) => [r.room, r.stations]), [['NET', 2]]);
  assert.equal(h.x.roomInfo().current, 'NET');
  assert.equal(h.x.roomInfo().offered, true);

  // Server restart: WELCOME again, back in MAIN: asked again, once.
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  h.from({ type: 'room', room: 'MAIN' });
  assert.deepEqual(roomRequests(h), ['OPV-EXT:ROOM NET', 'OPV-EXT:ROOM NET']);
  // A server that remembered us says NET after WELCOME: nothing asked.
  h.from({ type: 'room', room: 'NET' });
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'NET' });
  assert.equal(roomRequests(h).length, 2);
  h.x.stop();
});

test('no wanted room: the station stays where the server puts it and says where that is', () => {
  const h = harness(null);
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  h.from({ type: 'rooms', rooms: [{ room: 'MAIN', stations: 1 }, { room: 'NET', stations: 4 }] });
  h.advance(1000);
  assert.equal(h.events.room?.length ?? 0, 0, 'the note waits for the roster');
  h.advance(500);
  assert.deepEqual(h.events.room?.map((r) => [r.room, r.previous, r.stations]), [['MAIN', null, null]]);
  assert.deepEqual(roomRequests(h), []);
  assert.deepEqual(h.events.rooms?.map((r) => r.asked), [false], 'the list after WELCOME is not the operator\'s');
  assert.deepEqual(h.x.roomInfo().rooms, [{ room: 'MAIN', stations: 1 }, { room: 'NET', stations: 4 }]);
  assert.equal(h.x.requestRooms(), 'sent');
  assert.equal(h.sent.at(-1), 'OPV-EXT:ROOMS');
  h.from({ type: 'rooms', rooms: [{ room: 'MAIN', stations: 1 }] });
  assert.deepEqual(h.events.rooms?.map((r) => r.asked), [false, true]);
  h.x.stop();
});

test('a room change clears the roster; the new room\'s roster replaces it; remote stations keep their server', () => {
  const h = harness(null);
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  h.from({ type: 'roster', snapshot: 1, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 1, talking: false }, { callsign: 'K1OLD', connectedS: 5, talking: true }] });
  assert.deepEqual(h.x.roster().map((m) => m.callsign), ['K1OLD', 'W1ABC']);
  assert.equal(h.x.requestRoom('net'.toUpperCase()), 'sent');
  assert.equal(roomRequests(h).at(-1), 'OPV-EXT:ROOM NET');
  h.from({ type: 'room', room: 'NET' });
  assert.deepEqual(h.x.roster(), [], 'cleared at once: nobody from MAIN shows in NET');
  h.from({ type: 'roster', snapshot: 2, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 0, talking: false }, { callsign: 'VE3REM', connectedS: 3, talking: false, server: 'hub-b' }] });
  assert.deepEqual(h.x.roster().map((m) => [m.callsign, m.server ?? null]), [['VE3REM', 'hub-b'], ['W1ABC', null]]);
  h.from({ type: 'join', callsign: 'K1LATE', server: 'hub-c' });
  assert.equal(h.x.roster().find((m) => m.callsign === 'K1LATE')?.server, 'hub-c', 'a JOIN from another server keeps it');
  const note = h.events.room?.at(-1);
  assert.deepEqual([note?.room, note?.previous, note?.stations], ['NET', 'MAIN', 2]);
  h.x.stop();
});

test('NO_ROOM: the station stays, is told which rooms there are, and a restart does not ask for that room again', () => {
  const h = harness('NOPE');
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'rooms', rooms: [{ room: 'MAIN', stations: 2 }, { room: 'NET', stations: 0 }] });
  h.from({ type: 'room', room: 'MAIN' });
  assert.deepEqual(roomRequests(h), ['OPV-EXT:ROOM NOPE']);
  h.from({ type: 'no_room', room: 'NOPE' });
  assert.deepEqual(h.events.noRoom?.map((n) => [n.room, n.current, n.rooms?.map((r) => r.room)]), [['NOPE', 'MAIN', ['MAIN', 'NET']]]);
  assert.equal(h.x.roomInfo().current, 'MAIN');
  assert.equal(h.x.roomInfo().wanted, 'MAIN');
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  assert.equal(roomRequests(h).length, 1);
  h.x.stop();
});

test('a request made before the server answered goes after WELCOME; the stop on the way is not announced', () => {
  const h = harness(null);
  h.x.start();
  assert.equal(h.x.requestRoom('NET'), 'queued');
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  assert.deepEqual(roomRequests(h), ['OPV-EXT:ROOM NET']);
  h.from({ type: 'room', room: 'MAIN' });
  h.from({ type: 'roster', snapshot: 1, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 0, talking: false }] });
  h.from({ type: 'room', room: 'NET' });
  h.from({ type: 'roster', snapshot: 2, part: 1, parts: 1, entries: [{ callsign: 'W1ABC', connectedS: 0, talking: false }] });
  assert.deepEqual(h.events.room?.map((r) => r.room), ['NET']);
  assert.equal(roomRequests(h).length, 1);
  h.x.stop();
});

test('a room request while transmitting waits for PTT release; a later one replaces it', () => {
  const h = harness(null);
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  h.ptt.on = true;
  assert.equal(h.x.requestRoom('NET'), 'queued');
  assert.equal(h.x.requestRoom('CHAT'), 'queued');
  assert.equal(h.x.roomInfo().queued, 'CHAT');
  h.advance(5000);
  assert.deepEqual(roomRequests(h), [], 'nothing between voice frames');
  h.ptt.on = false;
  h.x.flushQueued();
  assert.deepEqual(roomRequests(h), ['OPV-EXT:ROOM CHAT']);
  h.from({ type: 'room', room: 'CHAT' });
  h.advance(10_000);
  assert.equal(roomRequests(h).length, 1, 'sent once (answered: not again)');
  assert.equal(h.x.roomInfo().queued, null);
  assert.equal(h.x.requestRoom('CHAT'), 'here');
  h.x.stop();
});

test('a server that never answers (reference) is said, once, to offer no rooms; so is an opv server that welcomes but names no room', () => {
  const ref = harness('NET');
  ref.x.start();
  ref.advance(24_000);
  assert.equal(ref.events.noRooms?.length ?? 0, 0, 'not before noExtensionMs');
  ref.advance(1000);
  assert.equal(ref.events.noRooms?.length ?? 0, 1);
  ref.advance(60_000);
  assert.deepEqual(ref.events.noRooms, [{ reason: 'no_extension', wanted: 'NET' }]);
  assert.equal(ref.x.roomInfo().offered, false);
  assert.equal(ref.x.requestRoom('NET'), 'unsupported');
  assert.deepEqual(roomRequests(ref), [], 'nothing sent to a server that does not speak the extension');
  ref.x.stop();

  const old = harness('NET');
  old.x.start();
  old.from({ type: 'welcome', version: 1, timeoutS: 300 });
  old.advance(4750);
  assert.equal(old.events.noRooms?.length ?? 0, 0, 'not before noRoomAfterWelcomeMs');
  old.advance(250);
  assert.deepEqual(old.events.noRooms, [{ reason: 'no_rooms', wanted: 'NET' }]);
  // It learns rooms later after all (restarted with them): the room is taken as said.
  old.from({ type: 'room', room: 'MAIN' });
  assert.equal(old.x.roomInfo().offered, true);
  assert.deepEqual(roomRequests(old), ['OPV-EXT:ROOM NET']);
  old.x.stop();
});

test('a room request lost on the way is sent again a few times, then given up', () => {
  const h = harness(null);
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'MAIN' });
  h.x.requestRoom('NET');
  h.advance(2750);
  assert.equal(roomRequests(h).length, 1, 'not before answerMs');
  h.advance(250);
  assert.equal(roomRequests(h).length, 2, 'sent again after answerMs');
  h.advance(60_000);
  assert.equal(roomRequests(h).length, 4, 'the first and three more');
  assert.equal(h.x.state.asked, null, 'given up');
  h.x.stop();
});

test('room words from another address, or from another port of the server\'s address, are not believed', () => {
  const h = harness(null);
  h.x.start();
  h.from({ type: 'welcome', version: 1, timeoutS: 300 });
  h.from({ type: 'room', room: 'EVIL' }, { address: '127.0.0.9', port: 57372 });
  h.from({ type: 'room', room: 'EVIL' }, { address: '127.0.0.1', port: 40000 });
  h.from({ type: 'room', room: 'EVIL' }, { address: '::ffff:127.0.0.1', port: 40000 });
  assert.equal(h.x.roomInfo().current, null);
  assert.equal(h.x.forged, 3);
  h.from({ type: 'room', room: 'MAIN' }, { address: '::ffff:127.0.0.1', port: 57372 });
  assert.equal(h.x.roomInfo().current, 'MAIN');
  h.x.stop();
});
