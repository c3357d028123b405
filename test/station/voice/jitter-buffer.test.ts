import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterBuffer, type JitterBufferOptions, type TalkspurtSummary } from '../../../src/station/voice/jitter-buffer.js';

interface Arrival {
  /** index in the transmission (0..n-1) */
  index: number;
  atMs: number;
}

interface Outcome {
  /** Per tick: packet index, 'lost' or 'empty'. */
  ticks: (number | 'lost' | 'empty')[];
  summaries: TalkspurtSummary[];
  jb: JitterBuffer;
}

function payload(index: number): Uint8Array {
  const p = new Uint8Array(80);
  new DataView(p.buffer).setUint32(0, index);
  return p;
}

/**
 * Drives a buffer in simulated time: arrivals are pushed when due, pull() runs every
 * 40 ms starting at `firstTickMs`; `endAtMs` calls end() (PTT_STOP) then.
 */
function simulate(
  startSeq: number,
  arrivals: Arrival[],
  opts: JitterBufferOptions & { endAtMs?: number; ticks?: number; firstTickMs?: number } = {},
): Outcome {
  const summaries: TalkspurtSummary[] = [];
  const jb = new JitterBuffer({ ...opts, onTalkspurtEnd: (s) => summaries.push(s) });
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  const ticks: Outcome['ticks'] = [];
  let i = 0;
  let ended = false;
  const nTicks = opts.ticks ?? Math.ceil((sorted.at(-1)?.atMs ?? 0) / 40) + 40;
  for (let k = 0; k < nTicks; k++) {
    const now = (opts.firstTickMs ?? 20) + k * 40;
    while (i < sorted.length && sorted[i]!.atMs <= now) {
      const a = sorted[i++]!;
      jb.push((startSeq + a.index) & 0xffff, payload(a.index), a.atMs);
    }
    if (!ended && opts.endAtMs !== undefined && now >= opts.endAtMs) {
      jb.end();
      ended = true;
    }
    const r = jb.pull(now);
    ticks.push(typeof r === 'string' ? r : new DataView(r.buffer, r.byteOffset).getUint32(0));
  }
  return { ticks, summaries, jb };
}

const played = (o: Outcome): number[] => o.ticks.filter((t): t is number => typeof t === 'number');

test('in-order packets play in order, across the 16-bit wrap, and a PTT_STOP finishes the talkspurt', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 120 }), (start, n) => {
      const arrivals = Array.from({ length: n }, (_, k) => ({ index: k, atMs: k * 40 }));
      const o = simulate(start, arrivals, { endAtMs: n * 40 + 1 });
      assert.deepEqual(played(o), [...Array(n).keys()]);
      assert.equal(o.ticks.filter((t) => t === 'lost').length, 0);
      assert.equal(o.summaries.length, 1);
      assert.deepEqual(
        { frames: o.summaries[0]!.frames, lost: o.summaries[0]!.lost, clean: o.summaries[0]!.endedCleanly },
        { frames: n, lost: 0, clean: true },
      );
      assert.equal(o.jb.active, false);
      // Playout is continuous: once started, one packet per tick with no hole.
      const first = o.ticks.findIndex((t) => typeof t === 'number');
      assert.deepEqual(o.ticks.slice(first, first + n), [...Array(n).keys()]);
    }),
  );
});

test('the default target adds two frames of delay at most', () => {
  const arrivals = Array.from({ length: 10 }, (_, k) => ({ index: k, atMs: k * 40 }));
  const o = simulate(0, arrivals, { firstTickMs: 1 });
  // Packet 0 arrives at 0 ms, packet 1 at 40 ms: primed at the tick after 40 ms.
  assert.equal(o.ticks.indexOf(0), 1);
});

test('reordering within the buffer depth loses nothing', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.array(fc.integer({ min: 0, max: 75 }), { minLength: 2, maxLength: 150 }),
      (start, delays) => {
        // Each packet is delayed 0..75 ms (so neighbours swap), the buffer holds 3 frames.
        const arrivals = delays.map((d, k) => ({ index: k, atMs: k * 40 + d }));
        const o = simulate(start, arrivals, { targetFrames: 3, endAtMs: delays.length * 40 + 200 });
        assert.deepEqual(played(o), [...delays.keys()]);
        assert.equal(o.summaries[0]?.lost, 0);
        assert.equal(o.summaries[0]?.late, 0);
      },
    ),
  );
});

test('lost packets are reported as losses in their place; the rest plays in order', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 3, max: 150 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (start, n, drops) => {
        // The first and last packets survive: a loss is only knowable between two packets.
        // A missing 65535 is no loss (the reference never sends it): not dropped here.
        const dropped = new Set(drops.map((d) => 1 + (d % (n - 2))).filter((k) => ((start + k) & 0xffff) !== 0xffff));
        const arrivals = [...Array(n).keys()].filter((k) => !dropped.has(k)).map((k) => ({ index: k, atMs: k * 40 }));
        const o = simulate(start, arrivals, { endAtMs: n * 40 + 1 });
        const first = o.ticks.findIndex((t) => typeof t === 'number');
        const expected = [...Array(n).keys()].map((k) => (dropped.has(k) ? 'lost' : k));
        assert.deepEqual(o.ticks.slice(first, first + n), expected);
        assert.equal(o.summaries[0]!.lost, dropped.size);
        assert.equal(o.summaries[0]!.frames, n);
      },
    ),
  );
});

test('duplicates are counted and never played twice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 2, max: 100 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 400 })), { maxLength: 30 }),
      (start, n, dups) => {
        const arrivals = Array.from({ length: n }, (_, k) => ({ index: k, atMs: k * 40 }));
        for (const [which, extra] of dups) arrivals.push({ index: which % n, atMs: (which % n) * 40 + 1 + extra });
        const o = simulate(start, arrivals, { endAtMs: n * 40 + 500 });
        assert.deepEqual(played(o), [...Array(n).keys()]);
        const s = o.jb.stats();
        assert.equal(s.duplicate, dups.length);
        assert.equal(s.late, 0);
      },
    ),
  );
});

test('whatever the network does, playout never goes backwards nor plays a packet twice, and the books balance', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.array(fc.record({ delay: fc.integer({ min: 0, max: 400 }), copies: fc.integer({ min: 0, max: 2 }) }), {
        minLength: 1,
        maxLength: 200,
      }),
      fc.integer({ min: 1, max: 4 }),
      (start, spec, target) => {
        const arrivals: Arrival[] = [];
        spec.forEach((s, k) => {
          for (let c = 0; c < s.copies; c++) arrivals.push({ index: k, atMs: k * 40 + s.delay + c * 7 });
        });
        const o = simulate(start, arrivals, { targetFrames: target, endAtMs: spec.length * 40 + 450 });
        const seq = played(o);
        for (let i = 1; i < seq.length; i++) assert.ok(seq[i]! > seq[i - 1]!, 'strictly increasing');
        const s = o.jb.stats();
        assert.equal(s.received, arrivals.length);
        // Every arrival is played, dropped for the delay bound, late, or a duplicate.
        assert.equal(s.played + s.dropped + s.late + s.duplicate, s.received);
        const sums = o.summaries.reduce((a, b) => a + b.played, 0);
        assert.equal(sums, s.played);
      },
    ),
  );
});

test('a packet arriving after its slot passed is late, not played', () => {
  // Packet 3 is delayed by 300 ms: 4.. are here first, so 3 is declared lost and later arrives late.
  const arrivals = Array.from({ length: 12 }, (_, k) => ({ index: k, atMs: k * 40 + (k === 3 ? 300 : 0) }));
  const o = simulate(0, arrivals, { endAtMs: 12 * 40 + 400 });
  assert.deepEqual(played(o), [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(o.jb.stats().late, 1);
  assert.equal(o.summaries[0]!.lost, 1);
});

test('a stall (the whole stream delayed) is concealed, then the delayed packets still play', () => {
  // Packets 5.. all arrive 200 ms late: a network hiccup, not a loss.
  const arrivals = Array.from({ length: 20 }, (_, k) => ({ index: k, atMs: k * 40 + (k >= 5 ? 200 : 0) }));
  const o = simulate(0, arrivals, { endAtMs: 19 * 40 + 201 });
  assert.deepEqual(played(o), [...Array(20).keys()]);
  assert.equal(o.jb.stats().underruns, 1);
  assert.equal(o.summaries[0]!.lost, 0);
  const first = o.ticks.indexOf(0);
  const lostTicks = o.ticks.slice(first, o.ticks.indexOf(19)).filter((t) => t === 'lost').length;
  assert.ok(lostTicks >= 4 && lostTicks <= 6, `${lostTicks} concealed ticks bridge the 200 ms gap`);
});

test('without PTT_STOP the talkspurt times out after the concealment limit', () => {
  const arrivals = Array.from({ length: 10 }, (_, k) => ({ index: k, atMs: k * 40 }));
  const o = simulate(0, arrivals, { maxConcealFrames: 5 });
  assert.equal(o.summaries.length, 1);
  assert.equal(o.summaries[0]!.endedCleanly, false);
  assert.equal(o.summaries[0]!.frames, 10);
  const last = o.ticks.indexOf(9);
  assert.deepEqual(o.ticks.slice(last + 1, last + 8), ['lost', 'lost', 'lost', 'lost', 'lost', 'empty', 'empty']);
});

test('PTT_STOP that overtook the last packets still lets them play', () => {
  const arrivals = Array.from({ length: 10 }, (_, k) => ({ index: k, atMs: k * 40 + (k >= 8 ? 90 : 0) }));
  const o = simulate(0, arrivals, { endAtMs: 8 * 40 });
  assert.deepEqual(played(o), [...Array(10).keys()]);
  assert.equal(o.summaries.length, 1);
  assert.equal(o.summaries[0]!.frames, 10);
});

test('measured jitter raises the target, within its bounds', () => {
  let seed = 7;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 24;
  };
  const calm = simulate(0, Array.from({ length: 200 }, (_, k) => ({ index: k, atMs: k * 40 })));
  assert.equal(calm.jb.stats().targetFrames, 2);
  const jittery = simulate(0, Array.from({ length: 200 }, (_, k) => ({ index: k, atMs: k * 40 + 60 * rand() })));
  const j = jittery.jb.stats();
  assert.ok(j.jitterMs > 10, `jitter ${j.jitterMs}`);
  assert.ok(j.targetFrames >= 3 && j.targetFrames <= 8, `target ${j.targetFrames}`);
  const wild = simulate(0, Array.from({ length: 200 }, (_, k) => ({ index: k, atMs: k * 40 + 2000 * rand() })), {
    maxTargetFrames: 6,
  });
  assert.equal(wild.jb.stats().targetFrames, 6);
});

test('a sender that restarts its sequence starts a new talkspurt instead of being "late" forever', () => {
  const arrivals = [
    ...Array.from({ length: 10 }, (_, k) => ({ index: k, atMs: k * 40 })),
    ...Array.from({ length: 10 }, (_, k) => ({ index: 30000 + k, atMs: 400 + k * 40 })),
  ];
  const o = simulate(100, arrivals, { endAtMs: 1200 });
  const s = o.jb.stats();
  assert.equal(s.restarts, 1);
  assert.equal(o.summaries.length, 2);
  // The old talkspurt's unplayed tail is dropped (and counted); the new one plays whole.
  assert.deepEqual(played(o).slice(-10), [...Array(10).keys()].map((k) => 30000 + k));
  assert.equal(s.played + s.dropped, 20);
});

test('the pause between two transmissions does not count as jitter', () => {
  const first = Array.from({ length: 20 }, (_, k) => ({ index: k, atMs: k * 40 }));
  // Same RTP stream, the next transmission 10 s later (sequence continues at 20).
  const second = Array.from({ length: 20 }, (_, k) => ({ index: 20 + k, atMs: 10_000 + k * 40 }));
  const o = simulate(0, [...first, ...second], { endAtMs: 20 * 40 + 1 });
  assert.equal(o.summaries.length, 2);
  assert.ok(o.jb.stats().jitterMs < 1, `jitter ${o.jb.stats().jitterMs}`);
  assert.equal(o.jb.stats().targetFrames, 2);
  assert.equal(played(o).length, 40);
});

test('a sequence that jumps backwards (sender restarted low) also restarts cleanly', () => {
  const arrivals = [
    ...Array.from({ length: 10 }, (_, k) => ({ index: 20000 + k, atMs: k * 40 })),
    ...Array.from({ length: 10 }, (_, k) => ({ index: k, atMs: 400 + k * 40 })),
  ];
  const o = simulate(0, arrivals, { endAtMs: 1200 });
  assert.equal(o.jb.stats().restarts, 1);
  assert.deepEqual(played(o).slice(-10), [...Array(10).keys()]);
  const s = o.jb.stats();
  assert.equal(s.played + s.dropped, 20);
  assert.equal(o.summaries.at(-1)!.lost, 0);
});

test('a restarted sender whose new random sequence starts behind the old one is a new stream, heard in full', () => {
  const summaries: TalkspurtSummary[] = [];
  const jb = new JitterBuffer({ onTalkspurtEnd: (s) => summaries.push(s) });
  const playedSeqs: number[] = [];
  let t = 0;
  const run = (start: number, n: number): void => {
    for (let k = 0; k < n; k++) {
      jb.push((start + k) & 0xffff, payload(k), t);
      const r = jb.pull(t + 20);
      if (typeof r !== 'string') playedSeqs.push(k);
      t += 40;
    }
    jb.end();
    for (let k = 0; k < 10; k++, t += 40) jb.pull(t);
  };
  run(40_000, 50);
  t += 5000; // the station restarts
  run(10_000, 50); // 30 000 behind
  assert.equal(summaries.length, 2);
  assert.equal(summaries[1]!.played, 50, JSON.stringify(summaries[1]));
  assert.equal(summaries[1]!.lost, 0);
});

test('the reference skips 65535: 65534 → 0 plays on with no loss', () => {
  const arrivals = [0, 1, 2, 3, 4].map((index) => ({ index, atMs: index * 40 }));
  // Sequences 65532, 65533, 65534, then 0, 1 (index 3 → seq 0 after the skip).
  const summaries: TalkspurtSummary[] = [];
  const jb = new JitterBuffer({ onTalkspurtEnd: (s) => summaries.push(s) });
  const seqs = [65532, 65533, 65534, 0, 1];
  let playedCount = 0;
  for (const [i, a] of arrivals.entries()) {
    jb.push(seqs[i]!, payload(i), a.atMs);
    if (typeof jb.pull(a.atMs + 20) !== 'string') playedCount++;
  }
  jb.end();
  for (let k = 0; k < 10; k++) if (typeof jb.pull(400 + k * 40) !== 'string') playedCount++;
  assert.equal(playedCount, 5);
  assert.equal(summaries[0]!.lost, 0);
  assert.equal(summaries[0]!.frames, 5);
});

test('a voice frame arriving after the talkspurt ended is a straggler, not a new talkspurt', () => {
  const summaries: TalkspurtSummary[] = [];
  const jb = new JitterBuffer({ onTalkspurtEnd: (s) => summaries.push(s) });
  let t = 0;
  for (let k = 0; k < 20; k++, t += 40) {
    if (k !== 17) jb.push(100 + k, payload(k), t);
    jb.pull(t + 20);
  }
  jb.end();
  for (let k = 0; k < 10; k++, t += 40) jb.pull(t);
  assert.equal(summaries.length, 1);
  jb.push(117, payload(17), t); // reordered far behind the PTT_STOP
  for (let k = 0; k < 10; k++, t += 40) assert.equal(jb.pull(t), 'empty');
  assert.equal(jb.talkspurts, 1, 'no phantom talkspurt');
  assert.equal(jb.stats().stragglers, 1);
});

test('silence longer than the jitter window ends a talkspurt whose PTT_STOP was lost; the next is separate', () => {
  const summaries: TalkspurtSummary[] = [];
  const jb = new JitterBuffer({ onTalkspurtEnd: (s) => summaries.push(s) });
  let t = 0;
  let seq = 500;
  for (let k = 0; k < 25; k++, t += 40) {
    jb.push(seq++, payload(k), t);
    jb.pull(t + 20);
  }
  for (let k = 0; k < 50; k++, t += 40) jb.pull(t + 20); // no PTT_STOP: 2 s of silence
  for (let k = 0; k < 25; k++, t += 40) {
    jb.push(seq++, payload(k), t);
    jb.pull(t + 20);
  }
  jb.end();
  for (let k = 0; k < 10; k++, t += 40) jb.pull(t);
  assert.equal(summaries.length, 2);
  assert.equal(summaries[0]!.frames, 25);
  assert.equal(summaries[0]!.endedCleanly, false);
  assert.equal(summaries[1]!.frames, 25);
});

test('resumeGap: what the sender skipped between a timed-out talkspurt and its continuation; null for a stream of its own', () => {
  const jb = new JitterBuffer({ maxConcealFrames: 5 });
  let t = 0;
  const play = (seq: number, n: number, marker = false): void => {
    for (let k = 0; k < n; k++, t += 40) {
      jb.push((seq + k) & 0xffff, payload(k), t, marker && k === 0);
      jb.pull(t + 20);
    }
  };
  const dry = (ticks: number): void => {
    for (let k = 0; k < ticks; k++, t += 40) jb.pull(t + 20);
  };
  play(1000, 10);
  assert.equal(jb.resumeGap, null, 'the first stream');
  dry(10);
  play(1010, 10); // a stalled sender: its backlog, every number in turn
  assert.equal(jb.talkspurts, 2);
  assert.equal(jb.resumeGap, 0);
  dry(10);
  play(1050, 10); // a cut: 30 numbers never came
  assert.equal(jb.resumeGap, 30);
  dry(10);
  play(1061, 5, true); // a new press (marker)
  assert.equal(jb.resumeGap, null);
  dry(10);
  play(40_000, 5); // a restarted sender
  assert.equal(jb.resumeGap, null);
  dry(10);
  play(65_530, 4); // 65530..65533
  dry(10);
  play(1, 3); // the reference never sends 65535: 65534 and 0 skipped
  assert.equal(jb.resumeGap, 2);
});

test('playout catching up after its own stall plays the packets that came meanwhile (without `behind` they were dropped as excess delay)', () => {
  const run = (withBehind: boolean): TalkspurtSummary => {
    const summaries: TalkspurtSummary[] = [];
    const jb = new JitterBuffer({ onTalkspurtEnd: (s) => summaries.push(s) });
    jb.push(0, payload(0), 0);
    jb.push(1, payload(1), 40);
    assert.notEqual(typeof jb.pull(60), 'string');
    // The receiving process stalls for 480 ms: 12 packets wait, 12 playout steps are overdue.
    for (let k = 2; k < 14; k++) jb.push(k, payload(k), 540);
    for (let behind = 11; behind >= 0; behind--) jb.pull(540, withBehind ? behind : 0);
    jb.end();
    for (let k = 0; k < 10; k++) jb.pull(580 + k * 40);
    return summaries[0]!;
  };
  const caughtUp = run(true);
  assert.deepEqual([caughtUp.played, caughtUp.lost, caughtUp.dropped], [14, 0, 0]);
  assert.ok(run(false).dropped > 0, 'the premise: a bound without `behind` drops the backlog');
});
