/**
 * Log lines per cause, bounded: the first `perInterval` lines of a cause in an interval
 * are written; the rest are counted and told in one summary line when the interval ends.
 * A hostile peer or a storm thus costs a few lines per interval, never a line per event.
 * Time comes from the injected clock; `flush` is called by the owner's timer.
 */
export class LogLimiter {
  private readonly causes = new Map<string, { shown: number; suppressed: number; since: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number,
    readonly intervalMs = 10_000,
    private readonly perInterval = 3,
  ) {}

  /** Writes `line` unless its cause has had its share this interval. */
  say(cause: string, line: string): void {
    this.emit(cause, () => this.write(line));
  }

  /** Runs `emit` (a structured log call) unless its cause has had its share this interval. */
  emit(cause: string, emit: () => void): void {
    const t = this.now();
    let c = this.causes.get(cause);
    if (c !== undefined && t - c.since >= this.intervalMs) {
      this.summarise(cause, c);
      c = undefined;
    }
    if (c === undefined) {
      c = { shown: 0, suppressed: 0, since: t };
      this.causes.set(cause, c);
    }
    if (c.shown < this.perInterval) {
      c.shown++;
      emit();
    } else c.suppressed++;
  }

  /** Ends intervals that are over: one summary line per cause that had lines held back. */
  flush(): void {
    const t = this.now();
    for (const [cause, c] of [...this.causes]) if (t - c.since >= this.intervalMs) this.summarise(cause, c);
  }

  private summarise(cause: string, c: { suppressed: number; since: number }): void {
    this.causes.delete(cause);
    if (c.suppressed > 0) this.write(`${cause}: ${c.suppressed} more in the last ${Math.round((this.now() - c.since) / 1000)} s (not logged one by one)`);
  }
}
