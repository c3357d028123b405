/**
 * Storage faults never take the station down: a full disk, a history directory made
 * read-only mid-session or at start, and kill -9 in the middle of a transmission.
 * The history directory lives on a small tmpfs mounted for the test (needs root, as CI).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, startStation, type RunningServer, type StationProc } from './support/stations.js';
import { speechWav } from '../helpers/paths.js';
import { eventually } from '../helpers/eventually.js';

function mountSkip(): string | false {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  return false;
}

/**
 * A fresh tmpfs of `sizeKb`, unmounted when the test ends: lazily, as the test's
 * stations, stopped after it, may still hold files open there.
 */
function tmpfs(t: TestContext, sizeKb: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir]);
  t.after(() => {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {
      /* already gone */
    }
  });
  return dir;
}

function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir]);
}

/** Writes into `dir` until the file system is full. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const chunk = Buffer.alloc(16 * 1024, 1);
  for (let i = 0; i < 100_000; i++) {
    try {
      appendFileSync(file, chunk);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      // The last partial block too.
      try {
        for (;;) appendFileSync(file, Buffer.alloc(512, 1));
      } catch {
        return file;
      }
    }
  }
  throw new Error('the tmpfs never filled up');
}

async function pair(t: TestContext, aDataDir: string, aExtra: string[] = ['--audio-in', speechWav, '--no-audio']): Promise<{ srv: RunningServer; a: StationProc; b: StationProc }> {
  const srv = await startServer([], t);
  const a = await startStation('W1ABC', srv.port, aExtra, { dataDir: aDataDir, t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected to server/);
  await b.proc.waitForLine(/🔗 connected to server/);
  return { srv, a, b };
}

/** Chat both ways and a whole transmission from A: the station keeps working. */
async function stillWorks(a: StationProc, b: StationProc, tag: string): Promise<void> {
  b.proc.sendLine(`to A ${tag}`);
  await a.proc.waitForLine(new RegExp(`^📨 \\[VE3XYZ\\]: to A ${tag}$`));
  a.proc.sendLine(`to B ${tag}`);
  await b.proc.waitForLine(new RegExp(`^📨 \\[W1ABC\\]: to B ${tag}$`));
  const mark = b.proc.lines.length;
  a.proc.sendLine('/ptt on');
  // The WAV microphone runs out after 7.3 s and releases PTT by itself: the release
  // (which wrote history synchronously and crashed on a full disk) must not hurt.
  await a.proc.waitForLine(/^🔇 W1ABC: PTT was released$/, 20_000, a.proc.lines.length);
  await b.proc.waitForLine(/^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, (18\d) frames, 0 lost$/, 20_000, mark);
  assert.ok(a.proc.running, 'the station is still running');
  assert.doesNotMatch(a.proc.output, /\n\s+at /, 'no stack trace');
}

test('a full disk: the station keeps working, says why once, and saves again when there is room', { skip: mountSkip() }, async (t) => {
  const mnt = tmpfs(t, 1024);
  const dataDir = path.join(mnt, 'W1ABC');
  const { a, b } = await pair(t, dataDir);
  const filler = fill(mnt);
  await stillWorks(a, b, 'while the disk is full');
  await a.proc.waitForLine(new RegExp(`history not saved: no space left on ${mnt.replace(/[.]/g, '\\.')}/W1ABC`));
  assert.equal(a.proc.count(/history not saved/), 1, 'said once');
  rmSync(filler);
  await a.proc.waitForLine(new RegExp(`history saved again in ${dataDir}`), 15_000);
  a.proc.sendLine('/history');
  await a.proc.waitForLine(/⬅ VE3XYZ: to A while the disk is full$/);
  await a.proc.waitForLine(/➡ W1ABC transmission [\d.]+ s, 18\d frames/);
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);
  // What happened during the outage reached the disk afterwards.
  const again = await startStation('W1ABC', 9, ['--no-audio'], { dataDir, t });
  again.proc.sendLine('/history');
  await again.proc.waitForLine(/⬅ VE3XYZ: to A while the disk is full$/);
  await again.proc.waitForLine(/➡ W1ABC: to B while the disk is full$/);
});

test('a history directory made read-only mid-session, then writable again', { skip: mountSkip() }, async (t) => {
  const mnt = tmpfs(t, 8192);
  const dataDir = path.join(mnt, 'W1ABC');
  const { a, b } = await pair(t, dataDir);
  await stillWorks(a, b, 'before');
  remount(mnt, 'ro');
  await stillWorks(a, b, 'read-only');
  await a.proc.waitForLine(new RegExp(`history not saved: ${mnt}/W1ABC.* is on a read-only file system`));
  remount(mnt, 'rw');
  await a.proc.waitForLine(new RegExp(`history saved again in ${dataDir}`), 15_000);
  a.proc.sendLine('quit');
  assert.equal(await a.proc.wait(), 0);
});

test('a read-only history directory at start: one line in words, the station runs', { skip: mountSkip() }, async (t) => {
  const mnt = tmpfs(t, 1024);
  remount(mnt, 'ro');
  const dataDir = path.join(mnt, 'data', 'W1ABC');
  const { a, b } = await pair(t, dataDir, ['--no-audio']);
  await a.proc.waitForLine(/history not saved: .* is on a read-only file system/);
  assert.doesNotMatch(a.proc.output, /EROFS|ENOENT/);
  b.proc.sendLine('hello read-only');
  await a.proc.waitForLine(/^📨 \[VE3XYZ\]: hello read-only$/);
  a.proc.sendLine('still here');
  await b.proc.waitForLine(/^📨 \[W1ABC\]: still here$/);
});

test('kill -9 in the middle of a transmission keeps what was sent', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opv-kill-'));
  const { a, b } = await pair(t, dataDir);
  a.proc.sendLine('/ptt on');
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  // Wait until at least two seconds of audio are in the journal, then pull the plug.
  const journalBytes = (): number => {
    const tx = path.join(dataDir, 'tx');
    return readdirSync(tx)
      .filter((f) => f.endsWith('.part'))
      .reduce((n, f) => n + statSync(path.join(tx, f)).size, 0);
  };
  await eventually(() => journalBytes() >= 50 * 84, () => `two seconds of audio are in the journal (${journalBytes()} bytes)`, 15_000, 50);
  a.proc.kill('SIGKILL');
  await a.proc.wait();
  const again = await startStation('W1ABC', 9, ['--no-audio'], { dataDir, t });
  again.proc.sendLine('/history');
  const line = await again.proc.waitForLine(/➡ W1ABC transmission ([\d.]+) s, (\d+) frames, 0 lost \(recovered after a crash\)$/);
  const frames = Number(/(\d+) frames/.exec(line)![1]);
  assert.ok(frames >= 50 && frames < 183, `kept ${frames} frames of the interrupted transmission`);
  writeFileSync(path.join(dataDir, 'probe'), ''); // the directory is still usable
});
