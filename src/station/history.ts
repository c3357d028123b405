/**
 * The station's memory of what it heard and said, kept on disk so it survives restarts.
 *
 * Why files rather than SQLite: no native module to build on a Raspberry Pi, and an
 * append-only log survives a power cut (a torn last line is skipped on load). The
 * index is `index.jsonl`, one entry per line, the last line for an id winning (an
 * open transmission is appended again when it closes); each transmission's Opus
 * packets are one small file `tx/<id>.pkt` of u16 length + bytes per 40 ms slot
 * (length 0 = lost), which replay and export read back. Bounded by entry count and
 * age; pruning rewrites the index and deletes the pruned packet files.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FRAME_INTERVAL_MS } from '../protocol/index.js';
import type { ChatEntry, Direction, HistoryEntry, TransmissionEntry } from './types.js';
import { OpvError } from '../errors.js';

export interface HistoryLimits {
  maxEntries: number;
  maxAgeDays: number;
}

interface OpenTx {
  entry: TransmissionEntry;
  firstSeq: number | null;
  slots: (Uint8Array | null)[];
  received: number;
}

/** RTP sequence distance beyond which a packet belongs to no plausible talkspurt. */
const MAX_SLOT_OFFSET = 30_000;

export class HistoryError extends OpvError {
  override readonly name = 'HistoryError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_HISTORY', message, options);
  }
}

export class HistoryStore {
  private readonly entries = new Map<number, HistoryEntry>();
  private readonly open = new Map<number, OpenTx>();
  private nextId = 1;
  private lines = 0;

  private constructor(
    readonly dir: string,
    private readonly limits: HistoryLimits,
    private readonly now: () => number,
  ) {}

  static open(dir: string, limits: HistoryLimits, now: () => number = Date.now): HistoryStore {
    mkdirSync(path.join(dir, 'tx'), { recursive: true });
    const h = new HistoryStore(dir, limits, now);
    h.load();
    return h;
  }

  private get indexFile(): string {
    return path.join(this.dir, 'index.jsonl');
  }

  private packetFile(id: number): string {
    return path.join(this.dir, 'tx', `${id}.pkt`);
  }

  private load(): void {
    if (existsSync(this.indexFile)) {
      for (const line of readFileSync(this.indexFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        this.lines++;
        try {
          const e = JSON.parse(line) as HistoryEntry;
          if (typeof e.id !== 'number') continue;
          // A transmission left open by a crash is closed as it stands.
          if (e.type === 'transmission') e.open = false;
          this.entries.set(e.id, e);
          this.nextId = Math.max(this.nextId, e.id + 1);
        } catch {
          /* a torn line from a power cut */
        }
      }
    }
    this.prune(true);
  }

  /** Drops entries beyond the count or age limit; rewrites the index when it has grown. */
  private prune(force = false): void {
    const cutoff = this.now() - this.limits.maxAgeDays * 86_400_000;
    const sorted = [...this.entries.values()].sort((a, b) => a.id - b.id);
    const excess = Math.max(0, sorted.length - this.limits.maxEntries);
    let removed = 0;
    for (const [i, e] of sorted.entries()) {
      if (this.open.has(e.id)) continue;
      if (i < excess || e.at < cutoff) {
        this.entries.delete(e.id);
        if (e.type === 'transmission') rmSync(this.packetFile(e.id), { force: true });
        removed++;
      }
    }
    if (removed > 0 || (force && this.lines > this.entries.size) || this.lines > 2 * this.limits.maxEntries) this.rewrite();
  }

  private rewrite(): void {
    const tmp = this.indexFile + '.tmp';
    const body = [...this.entries.values()].sort((a, b) => a.id - b.id).map((e) => JSON.stringify(e) + '\n').join('');
    writeFileSync(tmp, body);
    renameSync(tmp, this.indexFile);
    this.lines = this.entries.size;
  }

  private append(e: HistoryEntry): void {
    this.entries.set(e.id, e);
    appendFileSync(this.indexFile, JSON.stringify(e) + '\n');
    this.lines++;
  }

  addChat(direction: Direction, callsign: string, text: string, at = this.now()): ChatEntry {
    const e: ChatEntry = { id: this.nextId++, type: 'chat', direction, callsign, at, text };
    this.append(e);
    this.prune();
    return e;
  }

  beginTransmission(direction: Direction, callsign: string, at = this.now()): TransmissionEntry {
    const e: TransmissionEntry = { id: this.nextId++, type: 'transmission', direction, callsign, at, durationMs: 0, frames: 0, framesLost: 0, open: true };
    this.entries.set(e.id, e);
    this.open.set(e.id, { entry: e, firstSeq: null, slots: [], received: 0 });
    return e;
  }

  /** Places a packet by its RTP sequence, so losses and reordering are accounted exactly. */
  addPacket(id: number, sequence: number, opus: Uint8Array): TransmissionEntry | null {
    const tx = this.open.get(id);
    if (!tx) return null;
    tx.firstSeq ??= sequence;
    const offset = (sequence - tx.firstSeq) & 0xffff;
    if (offset > MAX_SLOT_OFFSET) return tx.entry;
    while (tx.slots.length <= offset) tx.slots.push(null);
    if (tx.slots[offset] === null) tx.received++;
    tx.slots[offset] = Uint8Array.from(opus);
    tx.entry.frames = tx.slots.length;
    tx.entry.framesLost = tx.slots.length - tx.received;
    tx.entry.durationMs = tx.slots.length * FRAME_INTERVAL_MS;
    return tx.entry;
  }

  endTransmission(id: number): TransmissionEntry | null {
    const tx = this.open.get(id);
    if (!tx) return null;
    this.open.delete(id);
    const e = tx.entry;
    e.open = false;
    if (e.frames === 0) {
      // A PTT press with no audio: nothing worth keeping.
      this.entries.delete(id);
      return e;
    }
    const size = tx.slots.reduce((n, p) => n + 2 + (p?.length ?? 0), 0);
    const out = Buffer.alloc(size);
    let o = 0;
    for (const p of tx.slots) {
      out.writeUInt16BE(p?.length ?? 0, o);
      o += 2;
      if (p) {
        out.set(p, o);
        o += p.length;
      }
    }
    writeFileSync(this.packetFile(id), out);
    this.append(e);
    this.prune();
    return e;
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

  /** The packets of a closed transmission, null for each lost slot. */
  packets(id: number): (Uint8Array | null)[] {
    const e = this.entries.get(id);
    if (!e) throw new HistoryError(`no history entry ${id}`);
    if (e.type !== 'transmission') throw new HistoryError(`entry ${id} is a chat line, not a transmission`);
    const open = this.open.get(id);
    if (open) return open.slots.slice();
    let buf: Buffer;
    try {
      buf = readFileSync(this.packetFile(id));
    } catch {
      throw new HistoryError(`the audio of entry ${id} is missing from ${this.dir}`);
    }
    const out: (Uint8Array | null)[] = [];
    for (let o = 0; o + 2 <= buf.length; ) {
      const n = buf.readUInt16BE(o);
      o += 2;
      out.push(n === 0 ? null : new Uint8Array(buf.subarray(o, o + n)));
      o += n;
    }
    return out;
  }

  /** Closes every open transmission (at exit). */
  close(): void {
    for (const id of [...this.open.keys()]) this.endTransmission(id);
  }
}
