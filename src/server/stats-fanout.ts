/**
 * Writes serialised events to the event streams without holding the relay's thread.
 * A `stats` event with 500 stations is ~150 KB; writing it to 200 streams in one go is
 * 200 socket writes (and, on a local link, the TCP work for the receiver inside each
 * write) while datagrams wait. Here writes go out in slices of WRITES_PER_SLICE, one
 * slice per turn of the event loop, in the order the events came (a stream never sees
 * them reordered). A stream that has stopped reading is skipped for `stats` events
 * (the next one supersedes them), and dropped when its unsent data passes
 * MAX_BACKLOG_BYTES or it has not drained for STALL_DROP_MS.
 */
import type { ServerResponse } from 'node:http';

export const WRITES_PER_SLICE = 16;
/** Unsent event data a stream may hold before it is dropped. */
export const MAX_BACKLOG_BYTES = 256 * 1024;
/** A stream that has not drained for this long is dropped. */
export const STALL_DROP_MS = 10_000;
/** Repeated "dropped a slow client" warnings are logged at most this often. */
const DROP_LOG_INTERVAL_MS = 10_000;
/** Jobs waiting at once: beyond it the oldest `stats` jobs are discarded (superseded anyway). */
const MAX_JOBS = 256;

interface Job {
  chunk: Buffer;
  to: ServerResponse[];
  next: number;
  /** A `stats` snapshot: skipped for a stream that is not draining, dropped first when jobs pile up. */
  supersedable: boolean;
}

export class EventFanOut {
  private readonly jobs: Job[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  /** When each stream started to need a drain (absent: it is keeping up). */
  private readonly stalledSince = new Map<ServerResponse, number>();
  dropped = 0;
  private droppedSinceLog = 0;
  private lastDropLog = 0;

  constructor(
    private readonly onDrop: (res: ServerResponse) => void,
    private readonly warn: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: Buffer, to: ServerResponse[], supersedable: boolean): void {
    if (to.length === 0) return;
    if (this.jobs.length >= MAX_JOBS) {
      const i = this.jobs.findIndex((j) => j.supersedable);
      if (i >= 0) this.jobs.splice(i, 1);
    }
    this.jobs.push({ chunk, to, next: 0, supersedable });
    this.schedule();
  }

  forget(res: ServerResponse): void {
    this.stalledSince.delete(res);
  }

  close(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.jobs.length = 0;
    this.stalledSince.clear();
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = null;
      this.slice();
    });
  }

  private slice(): void {
    let writes = 0;
    const nowMs = this.now();
    while (this.jobs.length > 0 && writes < WRITES_PER_SLICE) {
      const job = this.jobs[0]!;
      while (job.next < job.to.length && writes < WRITES_PER_SLICE) {
        const res = job.to[job.next++]!;
        if (this.write(res, job, nowMs)) writes++;
      }
      if (job.next >= job.to.length) this.jobs.shift();
    }
    if (this.jobs.length > 0) this.schedule();
  }

  /** True when it wrote (a skipped or dropped stream costs no slice). */
  private write(res: ServerResponse, job: Job, nowMs: number): boolean {
    if (res.destroyed) return false;
    if (res.writableNeedDrain) {
      const since = this.stalledSince.get(res);
      if (since === undefined) {
        this.stalledSince.set(res, nowMs);
        res.once('drain', () => this.stalledSince.delete(res));
      } else if (nowMs - since >= STALL_DROP_MS) {
        this.drop(res, `not drained for ${STALL_DROP_MS / 1000} s`);
        return false;
      }
      if (job.supersedable) return false;
    }
    if (res.writableLength + job.chunk.length > MAX_BACKLOG_BYTES) {
      this.drop(res, `over ${MAX_BACKLOG_BYTES / 1024} KiB unsent`);
      return false;
    }
    res.write(job.chunk);
    return true;
  }

  private drop(res: ServerResponse, why: string): void {
    this.stalledSince.delete(res);
    this.onDrop(res);
    res.destroy();
    this.dropped++;
    this.droppedSinceLog++;
    const nowMs = this.now();
    if (nowMs - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.warn(`stats channel: dropped ${this.droppedSinceLog} event client(s) that stopped reading (${why})`);
      this.droppedSinceLog = 0;
      this.lastDropLog = nowMs;
    }
  }
}
