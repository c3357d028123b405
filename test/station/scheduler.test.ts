import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type SchedulerClock } from '../../src/station/scheduler.js';

/** A clock the test moves by hand. */
function manualClock(): SchedulerClock & { advance: (ms: number) => void } {
  let t = 1000;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => t,
    setTimeout: (fn, ms) => {
      const h = { at: t + ms, fn };
      timers.push(h);
      return h;
    },
    clearTimeout: (h) => {
      timers = timers.filter((x) => x !== h);
    },
    advance(ms: number) {
      const end = t + ms;
      for (;;) {
        const next = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((x) => x !== next);
        t = next.at;
        next.fn();
      }
      t = end;
    },
  };
}

const f = (tag: number): Uint8Array => new Uint8Array([tag]);

test('one frame per 40 ms slot, voice before control before text before data', () => {
  const clock = manualClock();
  const sent: { tag: number; at: number }[] = [];
  const s = new Scheduler((fr) => sent.push({ tag: fr[0]!, at: clock.now() }), clock);
  s.enqueue('data', [f(4)]);
  s.enqueue('text', [f(3), f(3)]);
  s.enqueue('control', [f(2)]);
  s.enqueue('voice', [f(1), f(1)]);
  clock.advance(400);
  // The idle scheduler sent the first (data) frame at once; the rest by priority, one per slot.
  assert.deepEqual(sent.map((x) => x.tag), [4, 1, 1, 2, 3, 3]);
  const gaps = sent.slice(1).map((x, i) => x.at - sent[i]!.at);
  assert.deepEqual(gaps, [40, 40, 40, 40, 40]);
});

test('the slot grid does not drift while busy and restarts when idle', () => {
  const clock = manualClock();
  const at: number[] = [];
  const s = new Scheduler(() => at.push(clock.now()), clock);
  for (let i = 0; i < 50; i++) s.enqueue('voice', [f(1)]);
  clock.advance(5000);
  assert.equal(at.length, 50);
  assert.equal(at[49]! - at[0]!, 49 * 40);
  clock.advance(1000);
  s.enqueue('text', [f(3)]);
  assert.equal(at.at(-1), clock.now(), 'an idle link sends at once');
  s.close();
});

test('a long chat line followed at once by PTT reaches a real receiver intact (pre-emption only between messages)', async () => {
  const { MessageBuilder, RtpStream, RTP_HEADER_SIZE, encodeCallsign, formatControl, frameMessage } = await import('../../src/protocol/index.js');
  const { FrameReceiver } = await import('../../src/station/receive.js');
  const clock = manualClock();
  const sender = encodeCallsign('W1ABC');
  const rx = new FrameReceiver(encodeCallsign('VE3XYZ'));
  const s = new Scheduler((fr) => rx.push(fr), clock);
  const builder = new MessageBuilder({ source: [10, 0, 0, 1], destination: [10, 0, 0, 2], sourcePorts: { voice: 57372, text: 57372, control: 57372 }, initialIdentification: 1 });
  const got: string[] = [];
  rx.on('chat', ({ text }) => got.push(`chat:${text}`));
  rx.on('pttStart', () => got.push('ptt_start'));
  rx.on('pttStop', () => got.push('ptt_stop'));
  rx.on('voice', ({ rtp }) => got.push(`voice:${rtp.sequence}`));
  const line = 'CQ CQ de W1ABC '.repeat(27).slice(0, 400);
  const chatFrames = frameMessage(sender, builder.text(line));
  assert.ok(chatFrames.length >= 4, `a 400-character line spans several frames (${chatFrames.length})`);
  s.enqueue('text', chatFrames);
  clock.advance(5);
  // PTT 5 ms later: PTT_START and voice in the (higher) voice lane.
  const rtp = new RtpStream(1, 100, 0);
  s.enqueue('voice', frameMessage(sender, builder.control(formatControl({ type: 'ptt_start' }))));
  for (let i = 0; i < 3; i++) {
    const payload = new Uint8Array(RTP_HEADER_SIZE + 80).fill(0x55);
    rtp.writeNext(payload, 0);
    s.enqueue('voice', frameMessage(sender, builder.build('voice', payload)));
    clock.advance(40);
  }
  s.enqueue('voice', frameMessage(sender, builder.control(formatControl({ type: 'ptt_stop' }))));
  clock.advance(2000);
  assert.equal(rx.decodeErrors, 0);
  assert.deepEqual(got, [`chat:${line}`, 'ptt_start', 'voice:100', 'voice:101', 'voice:102', 'ptt_stop']);
  s.close();
});
