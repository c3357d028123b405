import { exitStep, type ExitAction, type ExitEvent, type ExitReason, type ExitState } from './exit-machine.js';

export const LEAVE_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ExitClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realClock: ExitClock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface ExitHooks {
  /** BYE out, audio, GPIO and the control socket closed. */
  close(): Promise<void>;
  /** Prints the sign-off (each face its own way). */
  signOff(): void;
  /** A forced exit: say why in one line. */
  forced(why: 'second_signal' | 'timeout'): void;
  /** The end: a clean one resolves the face; a forced one ends the process. */
  exit(code: number): void;
}

/**
 * The shell of exit-machine.ts, used by both faces: signals and "quit" go in, the close
 * runs once, and a hung close or a second signal ends it anyway.
 */
export class ExitPath {
  private state_: ExitState = { kind: 'running' };
  private timer: unknown = null;
  private readonly onSignal = (sig: NodeJS.Signals): void => this.request(sig as ExitReason);

  constructor(
    private readonly hooks: ExitHooks,
    private readonly clock: ExitClock = realClock,
  ) {}

  get state(): ExitState {
    return this.state_;
  }

  /** Signals lead here until detach(). */
  watchSignals(proc: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
    for (const sig of LEAVE_SIGNALS) proc.on(sig, this.onSignal);
    return () => {
      for (const sig of LEAVE_SIGNALS) proc.off(sig, this.onSignal);
    };
  }

  request(reason: ExitReason): void {
    this.step({ type: 'request', reason });
  }

  private step(e: ExitEvent): void {
    const { state, actions } = exitStep(this.state_, e, this.clock.now());
    this.state_ = state;
    for (const a of actions) this.act(a);
  }

  private act(a: ExitAction): void {
    switch (a.type) {
      case 'close':
        this.timer = this.clock.setInterval(() => this.step({ type: 'tick' }), 250);
        void this.hooks.close().then(
          () => this.step({ type: 'closed' }),
          // A close that failed is over too: nothing more will come of waiting.
          () => this.step({ type: 'closed' }),
        );
        break;
      case 'signOff':
        this.hooks.signOff();
        break;
      case 'force':
        this.hooks.forced(a.why);
        break;
      case 'exit':
        if (this.timer !== null) this.clock.clearInterval(this.timer);
        this.timer = null;
        this.hooks.exit(a.code);
        break;
    }
  }
}
