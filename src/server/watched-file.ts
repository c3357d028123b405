import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { debugLog } from '../util/debug-log.js';

const dbg = debugLog('server', 'files');

/** The timer half of a clock: injected so a test can fire the debounce without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Starts watching a directory; `name` is the entry that changed (null: unknown, so any). */
export type WatchDir = (dir: string, onChange: (name: string | null) => void) => Pick<FSWatcher, 'close' | 'on'>;

const fsWatchDir: WatchDir = (dir, onChange) => watch(dir, (_ev, name) => onChange(name));

export interface WatchedFileOptions {
  file: string;
  /** Called once per burst of changes, after `debounceMs` of quiet. */
  onChange(): void;
  /** The watch could not start (`start`) or stopped (`lost`): the caller says so in its own words. */
  onError(when: 'start' | 'lost', err: Error): void;
  /** Editors write a file in several steps (truncate, write, rename): one reload per save. */
  debounceMs?: number;
  timers?: Timers;
  watchDir?: WatchDir;
}

/**
 * A configuration file re-read when it changes (the authorized keys today; the access list
 * and the interlink's peers file can share it). Its directory is watched, not the file:
 * editors replace files, and a watch on the old inode would go quiet.
 */
export class WatchedFile {
  private watcher: Pick<FSWatcher, 'close' | 'on'> | null = null;
  private timer: unknown = null;
  private readonly timers: Timers;
  private readonly debounceMs: number;

  constructor(private readonly o: WatchedFileOptions) {
    this.timers = o.timers ?? realTimers;
    this.debounceMs = o.debounceMs ?? 200;
  }

  get watching(): boolean {
    return this.watcher !== null;
  }

  start(): void {
    if (this.watcher !== null) return;
    const base = path.basename(this.o.file);
    try {
      this.watcher = (this.o.watchDir ?? fsWatchDir)(path.dirname(path.resolve(this.o.file)), (name) => {
        if (name !== null && name !== base) return;
        this.changed();
      });
      this.watcher.on('error', (e: Error) => this.o.onError('lost', e));
    } catch (e) {
      this.o.onError('start', e as Error);
    }
  }

  private changed(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      dbg('%s changed: re-read', this.o.file);
      this.o.onChange();
    }, this.debounceMs);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
