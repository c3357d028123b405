import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WatchedFile, type Timers, type WatchDir } from '../../src/server/watched-file.js';

/** Timers on a fake clock: `advance` runs what falls due. */
class FakeTimers implements Timers {
  private now = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.due.delete(h as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.due].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.due.delete(id);
      t.fn();
    }
  }
  get pending(): number {
    return this.due.size;
  }
}

function fakeDir(): { watchDir: WatchDir; fire(name: string | null): void; fail(e: Error): void; dirs: string[]; closed: () => boolean } {
  let listener: ((name: string | null) => void) | null = null;
  let onError: ((e: Error) => void) | null = null;
  let closed = false;
  const dirs: string[] = [];
  return {
    dirs,
    closed: () => closed,
    watchDir: (dir, onChange) => {
      dirs.push(dir);
      listener = onChange;
      const w = {
        close: () => {
          closed = true;
        },
        on: (_ev: string, fn: (e: Error) => void) => {
          onError = fn;
          return w;
        },
      };
      return w as unknown as ReturnType<WatchDir>;
    },
    fire: (name) => listener?.(name),
    fail: (e) => onError?.(e),
  };
}

test('a burst of changes to the file is one reload after the debounce; other files in the directory are ignored', () => {
  const timers = new FakeTimers();
  const dir = fakeDir();
  let reloads = 0;
  const w = new WatchedFile({ file: '/etc/opv/keys', debounceMs: 200, timers, watchDir: dir.watchDir, onChange: () => reloads++, onError: () => assert.fail('no error') });
  w.start();
  assert.deepEqual(dir.dirs, ['/etc/opv'], 'the directory is watched: editors replace the file');
  dir.fire('keys');
  timers.advance(150);
  dir.fire('keys.swp');
  dir.fire(null); // the platform could not say which entry: reload to be safe
  timers.advance(150);
  assert.equal(reloads, 0, 'still inside the debounce after the last change');
  timers.advance(50);
  assert.equal(reloads, 1);
  dir.fire('other-file');
  timers.advance(1000);
  assert.equal(reloads, 1);
  dir.fire('keys');
  w.close();
  assert.equal(timers.pending, 0, 'close cancels a pending reload');
  assert.ok(dir.closed());
});

test('a watch that cannot start or is lost is told through onError, in the caller\'s words', () => {
  const seen: string[] = [];
  const broken = new WatchedFile({
    file: '/nowhere/keys',
    watchDir: () => {
      throw new Error('ENOENT');
    },
    onChange: () => undefined,
    onError: (when, e) => seen.push(`${when}: ${e.message}`),
  });
  broken.start();
  assert.equal(broken.watching, false);
  const dir = fakeDir();
  const w = new WatchedFile({ file: '/etc/opv/keys', watchDir: dir.watchDir, onChange: () => undefined, onError: (when, e) => seen.push(`${when}: ${e.message}`) });
  w.start();
  dir.fail(new Error('EMFILE'));
  assert.deepEqual(seen, ['start: ENOENT', 'lost: EMFILE']);
  w.close();
});

test('with the real file system: replacing the file calls onChange once', async () => {
  const d = mkdtempSync(path.join(tmpdir(), 'opv-watch-'));
  const file = path.join(d, 'keys');
  writeFileSync(file, 'a\n');
  try {
    const changed = new Promise<void>((resolve) => {
      const w = new WatchedFile({
        file,
        debounceMs: 0,
        onChange: () => {
          w.close();
          resolve();
        },
        onError: (_w, e) => assert.fail(e.message),
      });
      w.start();
      writeFileSync(`${file}.tmp`, 'b\n');
      writeFileSync(file, 'b\n');
    });
    let bound: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_r, reject) => {
      bound = setTimeout(() => reject(new Error('no change seen within 10 s')), 10_000);
    });
    await Promise.race([changed, late]).finally(() => clearTimeout(bound));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
