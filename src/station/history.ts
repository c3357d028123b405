/**
 * The station's memory of what it heard and said, kept on disk so it survives restarts.
 *
 * Why files rather than SQLite: no native module to build on a Raspberry Pi, and an
 * append-only log survives a power cut (a torn last line is skipped on load). The
 * index is `index.jsonl`, one entry per line, the last line for an id winning (an
 * open transmission is written when it begins and again when it closes); each closed
 * transmission's Opus packets are one small file `tx/<id>.pkt` of u16 length + bytes
 * per 40 ms slot (length 0 = lost), which replay and export read back.
 *
 * A transmission still on the air is journaled as it goes (`tx/<id>.part`: u16 slot,
 * u16 length, bytes per packet), so a crash or power cut keeps what was sent; the next
 * start turns the journal into the `.pkt` file and closes the entry.
 *
 * The disk is never trusted to be there: memory is the truth, and every write goes
 * through one bounded asynchronous queue (never synchronously inside a socket or PTT
 * handler). When a write fails (full disk, read-only or vanished card) the store says
 * so once through `storage`, keeps everything in memory (audio bounded), retries, and
 * on success rewrites the index and the missing audio from memory and says so again.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FRAME_INTERVAL_MS } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ChatDelivery, ChatEntry, Direction, HistoryEntry, StorageState, TransmissionEntry } from './types.js';
import { OpvError } from '../errors.js';
import { parseHistoryLine } from './history-schema.js';

export interface HistoryLimits {
  maxEntries: number;
  maxAgeDays: number;
}

export interface HistoryOptions {
  /** How often a failing disk is tried again (default 5 s). */
  retryMs?: number;
  /** Audio of unsaved transmissions kept in memory while the disk fails (default 32 MiB). */
  maxUnsavedAudioBytes?: number;
  /** Disk operations that may wait; beyond this the queue is abandoned and rebuilt from memory (default 4096). */
  maxQueuedWrites?: number;
}

type Slot = Uint8Array | null;

interface OpenTx {
  entry: TransmissionEntry;
  firstSeq: number | null;
  slots: Slot[];
  received: number;
  /** Journal records not yet handed to the disk queue. */
  journal: Buffer[];
  journalQueued: boolean;
}

/** RTP sequence distance beyond which a packet belongs to no plausible talkspurt. */
const MAX_SLOT_OFFSET = 30_000;
/** The reference counts sequences modulo 65535: it never sends 65535, so a hole there is no loss. */
const SEQ_SKIPPED_BY_REFERENCE = 0xffff;

export class HistoryError extends OpvError {
  override readonly name = 'HistoryError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_HISTORY', message, options);
  }
}

/** What a failed file operation means, in words, naming the path. */
export function describeFsError(e: unknown, fallbackPath: string): string {
  const err = e as NodeJS.ErrnoException;
  let p = err.path ?? fallbackPath;
  let code = err.code;
  if (code === 'ENOENT') {
    // mkdir -p on a read-only file system says ENOENT: ask the nearest existing directory why.
    let dir = p;
    while (path.dirname(dir) !== dir && !existsSync(dir)) dir = path.dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
    } catch (why) {
      const c = (why as NodeJS.ErrnoException).code;
      if (c === 'EROFS' || c === 'EACCES' || c === 'EPERM') {
        code = c;
        p = dir;
      }
    }
  }
  switch (code) {
    case 'ENOSPC':
      return `no space left on ${p}`;
    case 'EDQUOT':
      return `disk quota exceeded on ${p}`;
    case 'EROFS':
      return `${p} is on a read-only file system`;
    case 'EACCES':
      return `permission denied for ${p}`;
    case 'EPERM':
      return `${p} may not be changed (immutable, or not permitted)`;
    case 'ENOENT':
      return `${p} does not exist and cannot be created`;
    case 'ENOTDIR':
      return `part of ${p} is a file, not a directory`;
    case 'EIO':
      return `input/output error on ${p} (a failing disk or card?)`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files (writing ${p})`;
    default:
      return `${p}: ${err.message ?? String(e)}`;
  }
}

export interface HistoryEvents {
  /** Saving failed (once per outage) or works again. */
  storage: StorageState;
}

type DiskOp = () => Promise<void>;

export class HistoryStore extends TypedEmitter<HistoryEvents> {
  private readonly entries = new Map<number, HistoryEntry>();
  private readonly open = new Map<number, OpenTx>();
  /** Audio of closed transmissions whose `.pkt` file is not (yet) on disk. */
  private readonly unsavedAudio = new Map<number, Slot[]>();
  private unsavedAudioBytes = 0;
  private nextId = 1;
  private lines = 0;
  private readonly queue: DiskOp[] = [];
  private running: Promise<void> | null = null;
  private state: StorageState;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retryMs: number;
  private readonly maxUnsavedAudioBytes: number;
  private readonly maxQueuedWrites: number;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly limits: HistoryLimits,
    private readonly now: () => number,
    opts: HistoryOptions,
  ) {
    super();
    this.retryMs = opts.retryMs ?? 5000;
    this.maxUnsavedAudioBytes = opts.maxUnsavedAudioBytes ?? 32 * 1024 * 1024;
    this.maxQueuedWrites = opts.maxQueuedWrites ?? 4096;
    this.state = { saving: true, dir };
  }

  /**
   * Loads what is on disk. Never throws for the disk's sake: a directory that cannot
   * be created or read leaves an empty (or read-only) history and a failing `storage` state.
   */
  static open(dir: string, limits: HistoryLimits, now: () => number = Date.now, opts: HistoryOptions = {}): HistoryStore {
    const h = new HistoryStore(dir, limits, now, opts);
    try {
      h.load();
    } catch (e) {
      h.fail(e, h.indexFile);
    }
    try {
      mkdirSync(path.join(dir, 'tx'), { recursive: true });
      h.recoverOpen();
      h.prune(true);
    } catch (e) {
      h.fail(e, path.join(dir, 'tx'));
    }
    return h;
  }

  /** Whether history is being saved, and if not, why. */
  storage(): StorageState {
    return { ...this.state };
  }

  private get indexFile(): string {
    return path.join(this.dir, 'index.jsonl');
  }

  private packetFile(id: number): string {
    return path.join(this.dir, 'tx', `${id}.pkt`);
  }

  private journalFile(id: number): string {
    return path.join(this.dir, 'tx', `${id}.part`);
  }

  private load(): void {
    if (!existsSync(this.indexFile)) return;
    for (const line of readFileSync(this.indexFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      this.lines++;
      // A torn line from a power cut, or one that is not an entry, is skipped.
      const e = parseHistoryLine(line);
      if (e === null) continue;
      if (e.type === 'removed') {
        this.entries.delete(e.id);
        continue;
      }
      this.entries.set(e.id, e);
      this.nextId = Math.max(this.nextId, e.id + 1);
    }
  }

  /** Transmissions a crash left open: their journal becomes the audio file, the entry is closed. */
  private recoverOpen(): void {
    let changed = false;
    for (const e of this.entries.values()) {
      if (e.type !== 'transmission' || !e.open) continue;
      changed = true;
      e.open = false;
      const slots = readJournal(this.journalFile(e.id));
      const count = countSlots(slots);
      if (count.frames === 0) {
        this.entries.delete(e.id);
      } else {
        e.frames = count.frames;
        e.framesLost = count.lost;
        e.durationMs = count.frames * FRAME_INTERVAL_MS;
        e.recovered = true;
        writeFileSync(this.packetFile(e.id), encodePackets(slots));
      }
      rmSync(this.journalFile(e.id), { force: true });
    }
    if (changed) this.lines = Number.MAX_SAFE_INTEGER; // forces the rewrite in prune()
    // Journals with no index entry (the index write was lost) are of no use.
    for (const f of safeReaddir(path.join(this.dir, 'tx'))) {
      const m = /^(\d+)\.part$/.exec(f);
      if (m && !this.open.has(Number(m[1])) && this.entries.get(Number(m[1]))?.type !== 'transmission') rmSync(path.join(this.dir, 'tx', f), { force: true });
    }
  }

  // ---- the disk queue ----

  private enqueue(op: DiskOp): void {
    if (!this.state.saving) return; // the resync after the outage rewrites from memory
    if (this.queue.length >= this.maxQueuedWrites) {
      // The disk cannot keep up: start over from memory rather than grow without bound.
      this.queue.length = 0;
      this.fail(Object.assign(new Error('the disk is too slow for the history being written'), { code: 'ESLOW' }), this.dir);
      return;
    }
    this.queue.push(op);
    this.running ??= this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.state.saving) {
        const op = this.queue.shift()!;
        try {
          await op();
        } catch (e) {
          this.queue.length = 0;
          this.fail(e, this.dir);
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Waits until every queued write has been attempted (tests, exit). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private fail(e: unknown, where: string): void {
    const reason = describeFsError(e, where);
    if (this.state.saving) {
      this.state = { saving: false, dir: this.dir, reason, since: this.now() };
      this.emit('storage', this.storage());
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.resync();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** After an outage: everything in memory goes back to disk, then saving resumes. */
  private async resync(): Promise<void> {
    if (this.state.saving) return;
    try {
      await mkdir(path.join(this.dir, 'tx'), { recursive: true });
      for (const [id, slots] of [...this.unsavedAudio]) {
        await writeFile(this.packetFile(id), encodePackets(slots));
        this.forgetUnsaved(id);
        await rm(this.journalFile(id), { force: true });
      }
      for (const tx of this.open.values()) {
        // Writes dropped with the failed queue are replaced by the whole journal.
        tx.journal.length = 0;
        tx.journalQueued = false;
        await writeFile(this.journalFile(tx.entry.id), Buffer.concat(tx.slots.map((s, i) => (s ? journalRecord(i, s) : Buffer.alloc(0)))));
      }
      await this.rewriteAsync();
      // Entries pruned during the outage left their audio behind.
      for (const f of await readdir(path.join(this.dir, 'tx'))) {
        const m = /^(\d+)\.pkt$/.exec(f);
        if (m && !this.entries.has(Number(m[1]))) await rm(path.join(this.dir, 'tx', f), { force: true });
      }
    } catch (e) {
      const reason = describeFsError(e, this.dir);
      if (!this.state.saving && this.state.reason !== reason) {
        // Still failing, for another reason: say so (the operator may be fixing it).
        this.state = { ...this.state, reason };
        this.emit('storage', this.storage());
      }
      this.scheduleRetry();
      return;
    }
    this.state = { saving: true, dir: this.dir };
    this.emit('storage', this.storage());
  }

  private indexBody(): string {
    return [...this.entries.values()]
      .sort((a, b) => a.id - b.id)
      .map((e) => JSON.stringify(e) + '\n')
      .join('');
  }

  private async rewriteAsync(): Promise<void> {
    const tmp = this.indexFile + '.tmp';
    const body = this.indexBody();
    const lines = this.entries.size;
    try {
      await writeFile(tmp, body);
      await rename(tmp, this.indexFile);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    this.lines = lines;
  }

  private rewrite(): void {
    this.enqueue(() => this.rewriteAsync());
  }

  private appendLine(e: HistoryEntry): void {
    const line = JSON.stringify(e) + '\n';
    this.lines++;
    this.enqueue(() => appendFile(this.indexFile, line));
  }

  /** Drops entries beyond the count or age limit; rewrites the index when it has grown. */
  private prune(atStart = false): void {
    const cutoff = this.now() - this.limits.maxAgeDays * 86_400_000;
    const sorted = [...this.entries.values()].sort((a, b) => a.id - b.id);
    const excess = Math.max(0, sorted.length - this.limits.maxEntries);
    let removed = 0;
    for (const [i, e] of sorted.entries()) {
      if (this.open.has(e.id)) continue;
      if (i < excess || e.at < cutoff) {
        this.entries.delete(e.id);
        if (e.type === 'transmission') {
          this.forgetUnsaved(e.id);
          const f = this.packetFile(e.id);
          if (atStart) rmSync(f, { force: true });
          else this.enqueue(() => rm(f, { force: true }));
        }
        removed++;
      }
    }
    if (removed > 0 || (atStart && this.lines > this.entries.size) || this.lines > 2 * this.limits.maxEntries) {
      if (atStart) {
        writeFileSync(this.indexFile + '.tmp', this.indexBody());
        renameSync(this.indexFile + '.tmp', this.indexFile);
        this.lines = this.entries.size;
      } else {
        this.rewrite();
      }
    }
  }

  private forgetUnsaved(id: number): void {
    const s = this.unsavedAudio.get(id);
    if (!s) return;
    this.unsavedAudio.delete(id);
    this.unsavedAudioBytes -= slotBytes(s);
  }

  private keepUnsaved(id: number, slots: Slot[]): void {
    this.unsavedAudio.set(id, slots);
    this.unsavedAudioBytes += slotBytes(slots);
    // Bounded: the oldest unsaved audio goes first (its entry stays, marked as having none).
    for (const [old, s] of this.unsavedAudio) {
      if (this.unsavedAudioBytes <= this.maxUnsavedAudioBytes || old === id) break;
      this.unsavedAudio.delete(old);
      this.unsavedAudioBytes -= slotBytes(s);
    }
  }

  // ---- entries ----

  addChat(direction: Direction, callsign: string, text: string, at = this.now(), delivery?: ChatDelivery): ChatEntry {
    const e: ChatEntry = { id: this.nextId++, type: 'chat', direction, callsign, at, text };
    if (delivery) e.delivery = delivery;
    this.entries.set(e.id, e);
    this.appendLine(e);
    this.prune();
    return e;
  }

  /** Changes how an outgoing chat line was delivered (held → delayed / not delivered). */
  setDelivery(id: number, delivery: ChatDelivery, sentAt?: number): ChatEntry | null {
    const e = this.entries.get(id);
    if (!e || e.type !== 'chat') return null;
    e.delivery = delivery;
    if (sentAt !== undefined) e.sentAt = sentAt;
    this.appendLine(e);
    return e;
  }

  beginTransmission(direction: Direction, callsign: string, at = this.now()): TransmissionEntry {
    const e: TransmissionEntry = { id: this.nextId++, type: 'transmission', direction, callsign, at, durationMs: 0, frames: 0, framesLost: 0, open: true };
    this.entries.set(e.id, e);
    this.open.set(e.id, { entry: e, firstSeq: null, slots: [], received: 0, journal: [], journalQueued: false });
    this.appendLine(e);
    return e;
  }

  /** Places a packet by its RTP sequence, so losses and reordering are accounted exactly. */
  addPacket(id: number, sequence: number, opus: Uint8Array): TransmissionEntry | null {
    const tx = this.open.get(id);
    if (!tx) return null;
    tx.firstSeq ??= sequence;
    const offset = (sequence - tx.firstSeq) & 0xffff;
    if (offset > MAX_SLOT_OFFSET) return tx.entry;
    return this.put(tx, offset, opus);
  }

  /** Appends the next slot: a packet as it was played, or null for one that was lost. */
  addSlot(id: number, opus: Uint8Array | null): TransmissionEntry | null {
    const tx = this.open.get(id);
    if (!tx) return null;
    if (tx.slots.length > MAX_SLOT_OFFSET) return tx.entry;
    const offset = tx.slots.length;
    if (opus === null) {
      tx.slots.push(null);
      this.recount(tx);
      return tx.entry;
    }
    return this.put(tx, offset, opus);
  }

  private put(tx: OpenTx, offset: number, opus: Uint8Array): TransmissionEntry {
    while (tx.slots.length <= offset) tx.slots.push(null);
    if (tx.slots[offset] === null) tx.received++;
    const copy = Uint8Array.from(opus);
    tx.slots[offset] = copy;
    this.recount(tx);
    // While the disk fails, the resync writes the whole journal from memory instead.
    if (!this.state.saving) return tx.entry;
    tx.journal.push(journalRecord(offset, copy));
    if (!tx.journalQueued) {
      tx.journalQueued = true;
      const file = this.journalFile(tx.entry.id);
      // One write per batch of packets: under load the queue coalesces them.
      this.enqueue(async () => {
        tx.journalQueued = false;
        const chunk = Buffer.concat(tx.journal.splice(0));
        if (chunk.length > 0) await appendFile(file, chunk);
      });
    }
    return tx.entry;
  }

  private recount(tx: OpenTx): void {
    let frames = tx.slots.length;
    // A hole at the sequence the reference never sends is no slot at all.
    if (tx.firstSeq !== null) {
      const skip = (SEQ_SKIPPED_BY_REFERENCE - tx.firstSeq) & 0xffff;
      if (skip < tx.slots.length - 1 && tx.slots[skip] === null) frames--;
    }
    tx.entry.frames = frames;
    tx.entry.framesLost = frames - tx.received;
    tx.entry.durationMs = frames * FRAME_INTERVAL_MS;
  }

  endTransmission(id: number): TransmissionEntry | null {
    const tx = this.open.get(id);
    if (!tx) return null;
    this.open.delete(id);
    const e = tx.entry;
    e.open = false;
    const journal = this.journalFile(id);
    if (e.frames - e.framesLost === 0) {
      // A PTT press with no audio heard: nothing worth keeping (frames 0 tells the caller).
      this.entries.delete(id);
      e.frames = 0;
      this.appendLineRemoval(id);
      this.enqueue(() => rm(journal, { force: true }));
      return e;
    }
    let slots = tx.slots;
    if (tx.firstSeq !== null) {
      const skip = (SEQ_SKIPPED_BY_REFERENCE - tx.firstSeq) & 0xffff;
      if (skip < slots.length - 1 && slots[skip] === null) slots = [...slots.slice(0, skip), ...slots.slice(skip + 1)];
    }
    this.keepUnsaved(id, slots);
    const file = this.packetFile(id);
    const data = encodePackets(slots);
    this.enqueue(async () => {
      await writeFile(file, data);
      this.forgetUnsaved(id);
      await rm(journal, { force: true });
    });
    this.appendLine(e);
    this.prune();
    return e;
  }

  /** An entry that turned out empty: the index forgets the line written when it began. */
  private appendLineRemoval(id: number): void {
    // The last line for an id wins; `removed` makes load() skip it.
    const line = JSON.stringify({ id, type: 'removed' }) + '\n';
    this.lines++;
    this.enqueue(() => appendFile(this.indexFile, line));
  }

  isOpen(id: number): boolean {
    return this.open.has(id);
  }

  get(id: number): HistoryEntry | undefined {
    return this.entries.get(id);
  }

  /** Newest last. */
  list(limit?: number): HistoryEntry[] {
    const all = [...this.entries.values()].sort((a, b) => a.at - b.at || a.id - b.id);
    return limit === undefined ? all : all.slice(-limit);
  }

  /** The packets of a transmission, null for each lost slot. */
  packets(id: number): (Uint8Array | null)[] {
    const e = this.entries.get(id);
    if (!e) throw new HistoryError(`no history entry ${id}`);
    if (e.type !== 'transmission') throw new HistoryError(`entry ${id} is a chat line, not a transmission`);
    const open = this.open.get(id);
    if (open) return open.slots.slice();
    const unsaved = this.unsavedAudio.get(id);
    if (unsaved) return unsaved.slice();
    let buf: Buffer;
    try {
      buf = readFileSync(this.packetFile(id));
    } catch (err) {
      throw new HistoryError(`the audio of entry ${id} is not available: ${describeFsError(err, this.packetFile(id))}`);
    }
    return decodePackets(buf);
  }

  /** Closes every open transmission and waits (bounded) for the disk (at exit). */
  async close(maxWaitMs = 3000): Promise<void> {
    for (const id of [...this.open.keys()]) this.endTransmission(id);
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, maxWaitMs).unref())]);
  }
}

function slotBytes(slots: Slot[]): number {
  return slots.reduce((n, p) => n + 2 + (p?.length ?? 0), 0);
}

function encodePackets(slots: Slot[]): Buffer {
  const out = Buffer.alloc(slotBytes(slots));
  let o = 0;
  for (const p of slots) {
    out.writeUInt16BE(p?.length ?? 0, o);
    o += 2;
    if (p) {
      out.set(p, o);
      o += p.length;
    }
  }
  return out;
}

function decodePackets(buf: Buffer): Slot[] {
  const out: Slot[] = [];
  for (let o = 0; o + 2 <= buf.length; ) {
    const n = buf.readUInt16BE(o);
    o += 2;
    out.push(n === 0 ? null : new Uint8Array(buf.subarray(o, o + n)));
    o += n;
  }
  return out;
}

function journalRecord(offset: number, opus: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + opus.length);
  b.writeUInt16BE(offset, 0);
  b.writeUInt16BE(opus.length, 2);
  b.set(opus, 4);
  return b;
}

/** The slots a journal recorded; a torn last record (power cut) is ignored. */
function readJournal(file: string): Slot[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return [];
  }
  const slots: Slot[] = [];
  for (let o = 0; o + 4 <= buf.length; ) {
    const offset = buf.readUInt16BE(o);
    const n = buf.readUInt16BE(o + 2);
    if (o + 4 + n > buf.length || n === 0) break;
    while (slots.length <= offset) slots.push(null);
    slots[offset] = new Uint8Array(buf.subarray(o + 4, o + 4 + n));
    o += 4 + n;
  }
  return slots;
}

function countSlots(slots: Slot[]): { frames: number; lost: number } {
  const lost = slots.filter((s) => s === null).length;
  return { frames: slots.length, lost };
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

