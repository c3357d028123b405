import { HEADER_SIZE, MAX_REASSEMBLY_BYTES, PAYLOAD_SIZE } from './constants.js';
import { decodeEncodedMessage, type DecodedMessage, type DecodeFailure } from './decode.js';

export interface ReassemblyCounters {
  frames: number;
  messages: number;
  /** Segments between delimiters that did not decode (after any recovery attempt). */
  decodeErrors: number;
  /** Messages found by restarting at a later frame boundary after a loss. */
  recovered: number;
  /** Buffers dropped for growing past the bound without a delimiter. */
  overflows: number;
}

export type ReassemblyEvent =
  | { type: 'message'; message: DecodedMessage; recovered: boolean }
  | { type: 'error'; reason: DecodeFailure | 'overflow'; bytes: number };

/**
 * One station's frames → messages. Each message starts at a frame boundary, so when
 * a segment fails to decode (its first frames were lost or garbage came in), decoding
 * is retried from each later frame boundary inside it; that recovers the message
 * that follows a loss instead of losing it too.
 */
export class StationReassembler {
  private buf: Uint8Array = new Uint8Array(4 * PAYLOAD_SIZE);
  private len = 0;
  /** Offsets in `buf` where a frame's payload began (only those still pending). */
  private starts: number[] = [];

  constructor(private readonly maxBytes = MAX_REASSEMBLY_BYTES) {}

  get pendingBytes(): number {
    return this.len;
  }

  /** Feeds one 122-byte payload; calls `emit` for each completed message or error. */
  push(payload: Uint8Array, emit: (ev: ReassemblyEvent) => void): void {
    this.append(payload);
    let segStart = 0;
    let scan = this.len - payload.length;
    for (;;) {
      const zero = this.buf.indexOf(0, scan);
      if (zero < 0 || zero >= this.len) break;
      if (zero > segStart) this.decodeSegment(segStart, zero, emit);
      segStart = zero + 1;
      scan = segStart;
    }
    this.compact(segStart);
    if (this.len > this.maxBytes) {
      emit({ type: 'error', reason: 'overflow', bytes: this.len });
      this.reset();
    }
  }

  reset(): void {
    this.len = 0;
    this.starts = [];
  }

  private append(payload: Uint8Array): void {
    if (this.len + payload.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + payload.length));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.starts.push(this.len);
    this.buf.set(payload, this.len);
    this.len += payload.length;
  }

  private decodeSegment(start: number, end: number, emit: (ev: ReassemblyEvent) => void): void {
    const first = decodeEncodedMessage(this.buf.subarray(start, end));
    if (first.ok) {
      emit({ type: 'message', message: first.message, recovered: false });
      return;
    }
    for (const s of this.starts) {
      if (s <= start || s >= end) continue;
      const retry = decodeEncodedMessage(this.buf.subarray(s, end));
      if (retry.ok) {
        emit({ type: 'error', reason: first.reason, bytes: s - start });
        emit({ type: 'message', message: retry.message, recovered: true });
        return;
      }
    }
    emit({ type: 'error', reason: first.reason, bytes: end - start });
  }

  private compact(from: number): void {
    if (from === 0) return;
    // Safe in place: decoded messages live in COBS output buffers, never in `buf`.
    this.buf.copyWithin(0, from, this.len);
    this.len -= from;
    if (this.len === 0) {
      this.starts.length = 0;
      return;
    }
    this.starts = this.starts.filter((s) => s >= from).map((s) => s - from);
  }
}

/**
 * Frames of many stations → messages, one buffer per station id (the reference keeps
 * one shared buffer, which corrupts simultaneous transmissions). Pure: no timers;
 * the owner calls `forget` when a station leaves or times out.
 */
export class Reassembler {
  readonly counters: ReassemblyCounters = { frames: 0, messages: 0, decodeErrors: 0, recovered: 0, overflows: 0 };
  private readonly stations = new Map<number, StationReassembler>();

  constructor(private readonly maxBytesPerStation = MAX_REASSEMBLY_BYTES) {}

  /** Feeds a whole 134-byte frame whose header has already been validated. */
  pushFrame(
    stationId: number,
    frame: Uint8Array,
    emit: (stationId: number, ev: ReassemblyEvent) => void,
  ): void {
    this.pushPayload(stationId, frame.subarray(HEADER_SIZE), emit);
  }

  pushPayload(
    stationId: number,
    payload: Uint8Array,
    emit: (stationId: number, ev: ReassemblyEvent) => void,
  ): void {
    let st = this.stations.get(stationId);
    if (st === undefined) {
      st = new StationReassembler(this.maxBytesPerStation);
      this.stations.set(stationId, st);
    }
    this.counters.frames++;
    st.push(payload, (ev) => {
      if (ev.type === 'message') {
        this.counters.messages++;
        if (ev.recovered) this.counters.recovered++;
      } else if (ev.reason === 'overflow') {
        this.counters.overflows++;
      } else {
        this.counters.decodeErrors++;
      }
      emit(stationId, ev);
    });
  }

  /** Bytes held for a station, waiting for the rest of a message (0 at a message boundary). */
  pendingBytes(stationId: number): number {
    return this.stations.get(stationId)?.pendingBytes ?? 0;
  }

  forget(stationId: number): void {
    this.stations.delete(stationId);
  }

  get stationCount(): number {
    return this.stations.size;
  }
}
