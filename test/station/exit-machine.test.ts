import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_FORCED_CODE, EXIT_TIMEOUT_MS, exitStep, type ExitState } from '../../src/station/exit-machine.js';
import { ExitPath, type ExitClock } from '../../src/station/exit.js';

// The way out on a fake clock: BYE (the close) once, the sign-off after it, a stuck close
// cut after EXIT_TIMEOUT_MS, and a second signal while leaving ends it at once.

class FakeClock implements ExitClock {
  t = 5_000_000;
  private timers = new Map<number, { fn: () => void; ms: number; next: number }>();
  private id = 0;
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    this.timers.set(++this.id, { fn, ms, next: this.t + ms });
    return this.id;
  }
  clearInterval(h: unknown): void {
    this.timers.delete(h as number);
  }
  advance(ms: number): void {
    for (const end = this.t + ms; this.t < end; ) {
      this.t += 10;
      for (const tm of [...this.timers.values()]) if (this.t >= tm.next) {
        tm.next += tm.ms;
        tm.fn();
      }
    }
  }
}

function path(closeNever = false): { x: ExitPath; log: string[]; clock: FakeClock; finish: () => void } {
  const log: string[] = [];
  const clock = new FakeClock();
  let finish = (): void => undefined;
  const x = new ExitPath(
    {
      close: () => {
        log.push('close');
        return closeNever ? new Promise<void>(() => undefined) : new Promise<void>((r) => (finish = r));
      },
      signOff: () => log.push('signOff'),
      forced: (why) => log.push(`forced:${why}`),
      exit: (code) => log.push(`exit:${code}`),
    },
    clock,
  );
  return { x, log, clock, finish: () => finish() };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('SIGHUP: the close (BYE) once, then the sign-off and exit 0; more quits and the same signal meanwhile do not close again', async () => {
  const p = path();
  p.x.request('SIGHUP');
  p.x.request('quit');
  p.clock.advance(1000);
  assert.deepEqual(p.log, ['close']);
  p.finish();
  await tick();
  assert.deepEqual(p.log, ['close', 'signOff', 'exit:0']);
  p.x.request('SIGTERM');
  p.clock.advance(EXIT_TIMEOUT_MS * 2);
  assert.deepEqual(p.log, ['close', 'signOff', 'exit:0'], 'nothing after the end');
});

test('a stuck close (the socket or a device hangs) is cut after EXIT_TIMEOUT_MS with a forced exit', () => {
  const p = path(true);
  p.x.request('SIGTERM');
  p.clock.advance(EXIT_TIMEOUT_MS - 300);
  assert.deepEqual(p.log, ['close']);
  p.clock.advance(300);
  assert.deepEqual(p.log, ['close', 'forced:timeout', `exit:${EXIT_FORCED_CODE}`]);
});

test('a second signal while leaving exits at once', () => {
  const p = path(true);
  p.x.request('SIGINT');
  p.clock.advance(500);
  p.x.request('SIGINT');
  assert.deepEqual(p.log, ['close', 'forced:second_signal', `exit:${EXIT_FORCED_CODE}`]);
  assert.equal(p.x.state.kind, 'done');
});

test('the pure machine: running ignores ticks and "closed"; leaving keeps its deadline', () => {
  let s: ExitState = { kind: 'running' };
  assert.deepEqual(exitStep(s, { type: 'tick' }, 0).actions, []);
  assert.deepEqual(exitStep(s, { type: 'closed' }, 0).actions, []);
  const r = exitStep(s, { type: 'request', reason: 'quit' }, 100);
  s = r.state;
  assert.deepEqual(r.actions, [{ type: 'close' }]);
  assert.deepEqual(s, { kind: 'leaving', reason: 'quit', since: 100, deadline: 100 + EXIT_TIMEOUT_MS });
  assert.deepEqual(exitStep(s, { type: 'tick' }, 100 + EXIT_TIMEOUT_MS - 1).actions, []);
  assert.deepEqual(exitStep(s, { type: 'request', reason: 'quit' }, 200).actions, [], 'a second quit typed is not insisting');
});
