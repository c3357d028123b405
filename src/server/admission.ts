import { HEADER_SIZE, PAYLOAD_SIZE, StationReassembler, type DecodedMessage } from '../protocol/index.js';
import type { Endpoint } from './endpoint.js';

interface Candidate {
  callsign: string;
  stationId: number;
  endpoint: Endpoint;
  frames: Buffer[];
  reassembler: StationReassembler;
}

export interface Admitted {
  callsign: string;
  stationId: number;
  endpoint: Endpoint;
  /** The frames that carried the first clean message, in order, to be relayed. */
  frames: Buffer[];
  message: DecodedMessage;
}

/**
 * Holds frames from sources that are not (yet) a registered station until they form
 * a complete message that decodes cleanly: COBS, IPv4 checksum, UDP checksum and a
 * known port. Random or corrupted traffic therefore never registers a phantom station,
 * never moves a real one, and never reaches anyone. Bounded in sources and frames.
 */
export class AdmissionGate {
  private readonly pending = new Map<string, Candidate>();
  rejectedMessages = 0;

  constructor(
    private readonly maxCandidates = 1024,
    private readonly maxFramesPerCandidate = 128,
  ) {}

  /** Feeds a frame from an unregistered (callsign, endpoint); returns the admission when it completes. */
  offer(callsign: string, stationId: number, endpoint: Endpoint, frame: Buffer): Admitted | null {
    const key = `${endpoint.key}|${stationId}`;
    let c = this.pending.get(key);
    if (c === undefined) {
      if (this.pending.size >= this.maxCandidates) {
        // Map order is insertion order: the oldest candidate goes first.
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
      }
      c = { callsign, stationId, endpoint, frames: [], reassembler: new StationReassembler(this.maxFramesPerCandidate * PAYLOAD_SIZE) };
      this.pending.set(key, c);
    }
    c.frames.push(frame);
    let admitted: DecodedMessage | null = null;
    let failed = false;
    c.reassembler.push(frame.subarray(HEADER_SIZE), (ev) => {
      if (ev.type === 'message' && ev.message.kind !== 'data' && !ev.recovered) admitted ??= ev.message;
      else failed = true;
    });
    if (admitted !== null && !failed) {
      this.pending.delete(key);
      return { callsign, stationId, endpoint, frames: c.frames, message: admitted };
    }
    if (failed || admitted !== null || c.frames.length >= this.maxFramesPerCandidate) {
      // Messages start on a fresh frame, so after junk the next clean message starts anew.
      this.rejectedMessages++;
      c.frames = [];
      c.reassembler.reset();
    }
    return null;
  }

  forget(endpointKey: string): void {
    for (const k of this.pending.keys()) if (k.startsWith(endpointKey + '|')) this.pending.delete(k);
  }

  get size(): number {
    return this.pending.size;
  }
}
