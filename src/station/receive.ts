import { checkFrame, decodeCallsign, tryEncodeCallsign, Reassembler, type RtpHeader } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface ReceiverEvents {
  chat: { from: string; text: string };
  pttStart: { from: string };
  pttStop: { from: string };
  voice: { from: string; rtp: RtpHeader; opus: Uint8Array };
  bye: { from: string };
  /** Our own KEEPALIVE came back from the server. */
  echo: { time: number };
  /** Any valid message from a station (for "last heard"). */
  heard: { from: string };
}

/** A sender's reassembly buffer is freed after this long without a frame from it. */
export const REASSEMBLY_IDLE_MS = 60_000;
/** At most this many senders' buffers; a frame from one more frees the longest idle. */
export const MAX_REASSEMBLY_STATIONS = 1024;

/**
 * Frames from the server → messages, one reassembly buffer per sending station, so
 * two stations talking at once never corrupt each other. Our own callsign is ignored
 * except for the server's keepalive echo. Hostile bytes are counted, never thrown.
 * A buffer lives while its sender sends: stations that go without a BYE (or frames
 * under made-up station ids) cost nothing once idle, and never more than the cap.
 */
export class FrameReceiver extends TypedEmitter<ReceiverEvents> {
  private readonly reassembler = new Reassembler();
  /** Station id → time of its last frame; the Map's order is oldest first. */
  private readonly lastFrameAt = new Map<number, number>();
  invalidFrames = 0;

  constructor(
    private readonly ownId: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Senders whose reassembly buffers are held. */
  get stations(): number {
    return this.reassembler.stationCount;
  }

  /** Frees the buffers of senders idle longer than REASSEMBLY_IDLE_MS (the owner calls it now and then). */
  expire(): void {
    const now = this.now();
    for (const [id, at] of this.lastFrameAt) {
      if (now - at <= REASSEMBLY_IDLE_MS) break;
      this.drop(id);
    }
  }

  private drop(id: number): void {
    this.lastFrameAt.delete(id);
    this.reassembler.forget(id);
  }

  get decodeErrors(): number {
    return this.reassembler.counters.decodeErrors;
  }

  push(buf: Uint8Array): void {
    const chk = checkFrame(buf);
    if (!chk.ok) {
      this.invalidFrames++;
      return;
    }
    const own = chk.stationId === this.ownId;
    this.lastFrameAt.delete(chk.stationId);
    this.lastFrameAt.set(chk.stationId, this.now());
    if (this.lastFrameAt.size > MAX_REASSEMBLY_STATIONS) this.drop(this.lastFrameAt.keys().next().value as number);
    this.reassembler.pushFrame(chk.stationId, buf, (id, ev) => {
      if (ev.type !== 'message') return;
      const m = ev.message;
      if (own) {
        if (m.kind === 'control' && m.control.type === 'keepalive' && m.control.time !== null) this.emit('echo', { time: m.control.time });
        return;
      }
      const from = decodeCallsign(id);
      this.emit('heard', { from });
      switch (m.kind) {
        case 'text':
          this.emit('chat', { from, text: m.text });
          break;
        case 'voice':
          this.emit('voice', { from, rtp: m.rtp, opus: m.opus });
          break;
        case 'control':
          if (m.control.type === 'ptt_start') this.emit('pttStart', { from });
          else if (m.control.type === 'ptt_stop') this.emit('pttStop', { from });
          else if (m.control.type === 'bye') this.emit('bye', { from });
          break;
        case 'data':
          break;
      }
    });
  }

  /** Frees the buffer of a station that left. */
  forget(callsign: string): void {
    const id = tryEncodeCallsign(callsign);
    if (id.ok) this.drop(id.value);
  }
}
