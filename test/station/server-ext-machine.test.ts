import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ROOM_TIMING,
  extStep,
  FIRST_RETRIES_MS,
  initialExtState,
  REANNOUNCE_REFUSED_MS,
  ROOM_REQUEST_RETRIES,
  type ExtAction,
  type ExtEvent,
  type ExtState,
} from '../../src/station/server-ext-machine.js';
import type { ExtMessage } from '../../src/protocol/ext.js';

// The extension machine on a fake clock, as the engine drives it: a tick every 250 ms and a
// keepalive every 2 s. A scripted server answers (or not) what the station sends.

const TICK_MS = 250;
const KEEPALIVE_MS = 2000;
const FULL = 'OPV-EXT:1';
const STILL_HERE = 'OPV-EXT:1+';

class Sim {
  state: ExtState;
  now = 1_000_000;
  canSend = true;
  /** [time, text] of everything sent. */
  readonly sent: [number, string][] = [];
  readonly actions: [number, ExtAction][] = [];
  /** The server's answer to what the station sends (nothing: silent or lost). */
  server: (text: string) => ExtMessage[] = () => [];
  keepalives = true;
  private lastKeepalive = -Infinity;

  constructor(wanted: string | null = null) {
    this.state = initialExtState(wanted);
  }

  on(e: ExtEvent): ExtAction[] {
    const { state, actions } = extStep(this.state, e, { now: this.now, canSend: this.canSend });
    this.state = state;
    const replies: ExtMessage[] = [];
    for (const a of actions) {
      this.actions.push([this.now, a]);
      if (a.type === 'send') {
        this.sent.push([this.now, a.text]);
        replies.push(...this.server(a.text));
      }
    }
    for (const m of replies) this.hear(m);
    return actions;
  }

  hear(m: ExtMessage): ExtAction[] {
    const actions = this.on({ type: 'message', message: m });
    // The shell keeps the roster's contents and tells the machine when a whole one came.
    if (m.type === 'roster') actions.push(...this.on({ type: 'roster', size: m.entries.length }));
    return actions;
  }

  advance(ms: number): this {
    for (const end = this.now + ms; this.now < end; ) {
      this.now = Math.min(end, this.now + TICK_MS);
      this.on({ type: 'tick' });
      if (this.keepalives && this.now - this.lastKeepalive >= KEEPALIVE_MS) {
        this.lastKeepalive = this.now;
        this.on({ type: 'keepaliveSent' });
      }
    }
    return this;
  }

  texts(since = -Infinity): string[] {
    return this.sent.filter(([t]) => t >= since).map(([, x]) => x);
  }

  did<T extends ExtAction['type']>(type: T, since = -Infinity): Extract<ExtAction, { type: T }>[] {
    return this.actions.filter(([t, a]) => t >= since && a.type === type).map(([, a]) => a as Extract<ExtAction, { type: T }>);
  }
}

/** An opv server with rooms: it welcomes a station it does not know and puts it in MAIN. */
function opvServer(): { answer: (text: string) => ExtMessage[]; known: boolean; room: string } {
  const srv = {
    known: false,
    room: 'MAIN',
    answer(text: string): ExtMessage[] {
      if (text === FULL || (text === STILL_HERE && !srv.known)) {
        srv.known = true;
        srv.room = 'MAIN';
        return [{ type: 'welcome', version: 1, timeoutS: 300 }, { type: 'room', room: 'MAIN' }, { type: 'roster', snapshot: 1, part: 1, parts: 1, entries: [] }];
      }
      const m = /^OPV-EXT:ROOM (\S+)$/.exec(text);
      if (m) {
        srv.room = m[1]!;
        return [{ type: 'room', room: srv.room }];
      }
      return [];
    },
  };
  return srv;
}

test('first offer and answer: OPV-EXT:1 at start, WELCOME makes it active, then "still here" beside keepalives', () => {
  const s = new Sim();
  const srv = opvServer();
  s.server = (t) => srv.answer(t);
  s.on({ type: 'start' });
  assert.deepEqual(s.texts(), [FULL]);
  assert.equal(s.state.phase, 'active');
  assert.deepEqual(s.did('welcome'), [{ type: 'welcome', timeoutS: 300, forgot: false }]);
  assert.equal(s.state.current, 'MAIN');
  assert.equal(s.state.offered, true);
  s.advance(10_000);
  const later = s.texts().slice(1);
  assert.ok(later.length >= 4 && later.every((t) => t === STILL_HERE), `then only "still here": ${later.join(',')}`);
  assert.equal(s.did('welcome').length, 1, 'a server that knows us does not answer "still here"');
  s.advance(1500);
  assert.deepEqual(s.did('room').map((r) => [r.room, r.stations]), [['MAIN', 0]], 'the room note, with the roster that came');
});

test('no answer: announced again after 5 s and 15 s more, then quiet; at 25 s a reference server without rooms', () => {
  const s = new Sim('NET');
  s.keepalives = true;
  const t0 = s.now;
  s.on({ type: 'start' });
  s.advance(60_000);
  assert.deepEqual(s.sent.map(([t]) => t - t0), [0, FIRST_RETRIES_MS[0], FIRST_RETRIES_MS[0] + FIRST_RETRIES_MS[1]]);
  assert.ok(s.texts().every((t) => t === FULL), 'never "still here" to a server that never answered');
  assert.deepEqual(s.did('noRooms'), [{ type: 'noRooms', reason: 'no_extension', wanted: 'NET' }]);
  const said = s.actions.find(([, a]) => a.type === 'noRooms')![0];
  assert.equal(said - t0, DEFAULT_ROOM_TIMING.noExtensionMs);
  assert.equal(s.state.offered, false);
  assert.deepEqual(s.on({ type: 'requestRoom', room: 'NET' }), [{ type: 'answer', answer: 'unsupported' }]);
  // An opv server that starts answering later is still heard.
  s.hear({ type: 'welcome', version: 1, timeoutS: 300 });
  assert.equal(s.state.phase, 'active');
});

test('server restart: the first "still here" after it brings a new WELCOME (forgot), and the wanted room is asked for within 3 s', () => {
  const s = new Sim('NET');
  let srv = opvServer();
  s.server = (t) => srv.answer(t);
  s.on({ type: 'start' });
  s.advance(3000);
  assert.equal(srv.room, 'NET');
  assert.equal(s.state.current, 'NET');
  // Restarted: a new server process knows nobody and puts everyone in MAIN.
  srv = opvServer();
  const restart = s.now;
  s.advance(3000);
  const welcome = s.actions.find(([t, a]) => t >= restart && a.type === 'welcome');
  assert.ok(welcome, 'welcomed again');
  assert.deepEqual(welcome[1], { type: 'welcome', timeoutS: 300, forgot: true });
  const asked = s.sent.find(([t, x]) => t >= restart && x === 'OPV-EXT:ROOM NET');
  assert.ok(asked && asked[0] - restart <= 3000, `room asked again ${asked ? asked[0] - restart : '-'} ms after the restart`);
  assert.equal(s.state.current, 'NET');
  assert.equal(srv.room, 'NET');
  assert.ok(s.did('room', restart).every((r) => r.room === 'NET'), 'the stop in MAIN on the way is not news');
});

test('a restart seen as a silence: back on "connected" the station asks for everything at once', () => {
  const s = new Sim();
  const srv = opvServer();
  s.server = (t) => srv.answer(t);
  s.on({ type: 'start' });
  s.on({ type: 'link', kind: 'connected' });
  s.advance(4000);
  s.on({ type: 'link', kind: 'no_reply' });
  const back = s.now;
  s.on({ type: 'link', kind: 'connected' });
  assert.deepEqual(s.texts(back), [FULL], 'the full announcement, not "still here"');
});

test('refusal: news once, re-announced every 10 s while refused, admitted on WELCOME; no-rooms waits while refused', () => {
  const s = new Sim();
  s.keepalives = false;
  s.on({ type: 'start' });
  const r = s.hear({ type: 'refused', reason: 'banned', retryAt: null });
  assert.deepEqual(r.map((a) => a.type), ['refusal'], 'the shell decides whether to show it');
  assert.deepEqual(s.on({ type: 'showRefusal' }).map((a) => a.type), ['refused']);
  assert.equal(s.hear({ type: 'refused', reason: 'banned', retryAt: null }).length, 0, 'said again: not news');
  const t0 = s.now;
  s.advance(3 * REANNOUNCE_REFUSED_MS);
  assert.deepEqual(s.sent.filter(([t]) => t > t0).map(([t]) => t - t0), [REANNOUNCE_REFUSED_MS, 2 * REANNOUNCE_REFUSED_MS, 3 * REANNOUNCE_REFUSED_MS]);
  assert.equal(s.did('noRooms').length, 0, 'a refused station is told nothing of rooms: not taken as "no rooms"');
  // Another reason is news again; a held refusal is shown when the shell says so.
  assert.deepEqual(s.hear({ type: 'refused', reason: 'kicked', retryAt: 2_000_000 }).map((a) => a.type), ['refusal']);
  assert.equal(s.state.refusalShown, false);
  s.hear({ type: 'welcome', version: 1, timeoutS: 300 });
  assert.equal(s.did('admitted').length, 0, 'a refusal never shown ends without news');
  assert.equal(s.state.refusal, null);
  s.hear({ type: 'refused', reason: 'full', retryAt: null });
  s.on({ type: 'showRefusal' });
  s.hear({ type: 'welcome', version: 1, timeoutS: 300 });
  assert.equal(s.did('admitted').length, 1);
  assert.deepEqual(s.did('welcome').map((w) => w.forgot), [false, false], 'a WELCOME after a refusal is admission, not "forgot"');
});

test('a room request lost on the way is sent again after answerMs, and one answer stops the retries', () => {
  const s = new Sim();
  const srv = opvServer();
  let lose = 2;
  s.server = (t) => (t.startsWith('OPV-EXT:ROOM ') && lose-- > 0 ? [] : srv.answer(t));
  s.on({ type: 'start' });
  const t0 = s.now;
  assert.deepEqual(s.on({ type: 'requestRoom', room: 'NET' }).at(-1), { type: 'answer', answer: 'sent' });
  s.advance(20_000);
  const asks = s.sent.filter(([, x]) => x === 'OPV-EXT:ROOM NET').map(([t]) => t - t0);
  assert.deepEqual(asks, [0, DEFAULT_ROOM_TIMING.answerMs, 2 * DEFAULT_ROOM_TIMING.answerMs]);
  assert.equal(s.state.current, 'NET');
  assert.equal(s.state.asked, null);
  // All lost: the first and ROOM_REQUEST_RETRIES more, then given up.
  s.server = () => [];
  s.on({ type: 'requestRoom', room: 'CHAT' });
  s.advance(60_000);
  assert.equal(s.texts().filter((x) => x === 'OPV-EXT:ROOM CHAT').length, 1 + ROOM_REQUEST_RETRIES);
  assert.equal(s.state.asked, null);
});

test('a request while transmitting waits; it goes on flush (PTT released) or at the next retry', () => {
  const s = new Sim();
  const srv = opvServer();
  s.server = (t) => srv.answer(t);
  s.on({ type: 'start' });
  s.canSend = false;
  assert.deepEqual(s.on({ type: 'requestRoom', room: 'NET' }).at(-1), { type: 'answer', answer: 'queued' });
  s.advance(5000);
  assert.equal(s.texts().filter((x) => x.startsWith('OPV-EXT:ROOM')).length, 0, 'nothing between voice frames');
  s.canSend = true;
  s.advance(DEFAULT_ROOM_TIMING.queueRetryMs);
  assert.deepEqual(s.texts().filter((x) => x.startsWith('OPV-EXT:ROOM')), ['OPV-EXT:ROOM NET']);
  assert.equal(s.state.queued, null);
});

test('rebinding: the server sees a new address; "in use" until the old one is silent, then WELCOME and the room again', () => {
  const s = new Sim('NET');
  const srv = opvServer();
  let rebound = false;
  s.server = (t) => {
    if (!rebound) return srv.answer(t);
    // The NAT gave the station a new port: the old registration holds the callsign for a while.
    if (s.now < inUseUntil) return t.startsWith('OPV-EXT:1') ? [{ type: 'refused', reason: 'in_use', retryAt: Math.ceil(inUseUntil / 1000) }] : [];
    srv.known = false;
    rebound = false;
    return srv.answer(t);
  };
  let inUseUntil = 0;
  s.on({ type: 'start' });
  s.advance(3000);
  assert.equal(s.state.current, 'NET');
  rebound = true;
  inUseUntil = s.now + 15_000;
  s.advance(2000);
  assert.equal(s.state.refusal?.reason, 'in_use');
  s.on({ type: 'showRefusal' });
  s.advance(30_000);
  assert.equal(s.state.refusal, null, 'admitted once the old registration is gone');
  assert.equal(s.did('admitted').length, 1);
  assert.equal(s.state.current, 'NET', 'back in the wanted room');
});

test('stop: nothing more is sent', () => {
  const s = new Sim();
  s.on({ type: 'start' });
  s.on({ type: 'stop' });
  const n = s.sent.length;
  s.advance(60_000);
  s.on({ type: 'link', kind: 'connected' });
  assert.equal(s.sent.length, n);
});
