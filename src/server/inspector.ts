import { HEADER_SIZE, MAX_REASSEMBLY_BYTES, PTT_STOP_LOST_MS, type MessageKind } from '../protocol/index.js';
import { MessageScanner, type MessageClass } from './message-scan.js';
import type { Station } from './registry.js';

/** What one frame from a registered station turned out to carry, for the relay's decision. */
export interface Inspection {
  /** The frame was exactly one KEEPALIVE: echo it to the sender only. */
  keepaliveOnly: boolean;
  bye: boolean;
  pttStart: boolean;
  pttStop: boolean;
  /** The frame completed an opv extension control message (docs/EXTENSIONS.md): never relayed. */
  ext: string | null;
  /** The text of the keepalive the frame completed, if any (authenticated sessions read its time). */
  keepalive: string | null;
}


/**
 * Recovery after a loss tries a restart at this many of the latest frame boundaries
 * inside a broken message, so a message of up to this many frames that follows a
 * lost frame is still recognised (voice, control and keepalive are one frame).
 * It bounds the work per frame: (1 + RECOVERY_STARTS) × 122 bytes scanned at most.
 */
export const RECOVERY_STARTS = 4;

/** One station's position in its COBS stream. */
interface Stream {
  /** A message has started and its delimiter has not come yet. */
  open: boolean;
  /** Encoded bytes of the open message, bounded like the reassembler's buffer. */
  bytes: number;
  main: MessageScanner;
  /** Restarts at later frame boundaries, oldest first; `recovering` of them are in use. */
  restarts: MessageScanner[];
  recovering: number;
}

/**
 * Passive per-station scanning of what registered stations send, to classify frames
 * (voice/text/control), to know who is talking, to spot KEEPALIVE and BYE, and to
 * count messages that do not decode. It reads; it never changes what the relay
 * forwards. Each frame costs a constant amount of work: messages are decoded as a
 * stream (message-scan.ts), never buffered and re-decoded.
 */
export class Inspector {
  private readonly streams = new Map<number, Stream>();
  /** Messages from registered stations that did not decode (or outgrew the bound). */
  decodeErrors = 0;
  /** Encoded bytes fed to scanners, so tests can check the work per frame is bounded. */
  scannedBytes = 0;
  private readonly found: MessageClass[] = [];
  /** The text of the last extension message found. */
  private extText = '';
  private keepaliveText = '';
  private frameErrors = 0;

  /** True when the station's next frame starts a new message. */
  atBoundary(st: Station): boolean {
    const s = this.streams.get(st.stationId);
    return s === undefined || !s.open;
  }

  inspect(st: Station, frame: Buffer, nowMs: number): Inspection {
    const s = this.stream(st.stationId);
    const startedAtBoundary = !s.open;
    this.found.length = 0;
    this.frameErrors = 0;
    st.framesInMessage++;
    this.scan(s, frame);
    const r: Inspection = { keepaliveOnly: false, bye: false, pttStart: false, pttStop: false, ext: null, keepalive: null };
    for (const m of this.found) {
      const kind: MessageKind = m === 'voice' || m === 'text' || m === 'data' ? m : 'control';
      st.byKind[kind] += st.framesInMessage;
      st.framesInMessage = 0;
      switch (m) {
        case 'voice':
          st.lastVoiceAt = nowMs;
          if (!st.talking) {
            st.talking = true;
            r.pttStart = true;
          }
          break;
        case 'ptt_start':
          if (!st.talking) r.pttStart = true;
          st.talking = true;
          st.lastVoiceAt = nowMs;
          break;
        case 'ptt_stop':
          if (st.talking) r.pttStop = true;
          st.talking = false;
          break;
        case 'bye':
          r.bye = true;
          break;
        case 'keepalive':
          r.keepaliveOnly = startedAtBoundary && !s.open && this.found.length === 1 && this.frameErrors === 0;
          r.keepalive = this.keepaliveText;
          break;
        case 'ext':
          r.ext = this.extText;
          break;
        default:
          break;
      }
    }
    // Frames of a message that did not decode are no kind at all.
    if (this.found.length === 0 && this.frameErrors > 0) st.framesInMessage = 0;
    return r;
  }

  /** Feeds one frame's payload through the station's scanners. */
  private scan(s: Stream, frame: Buffer): void {
    const end = frame.length;
    let i = HEADER_SIZE;
    if (s.open && frame[i] !== 0) this.restartAt(s);
    while (i < end) {
      if (!s.open) {
        // Padding between messages.
        while (i < end && frame[i] === 0) i++;
        if (i === end) break;
        s.open = true;
        s.bytes = 0;
        s.main.reset();
      }
      let z = frame.indexOf(0, i);
      if (z < 0) z = end;
      s.main.push(frame, i, z);
      for (let k = 0; k < s.recovering; k++) s.restarts[k]!.push(frame, i, z);
      this.scannedBytes += (z - i) * (1 + s.recovering);
      s.bytes += z - i;
      i = z;
      if (z === end) break;
      this.close(s);
      i++;
    }
    if (s.open && s.bytes > MAX_REASSEMBLY_BYTES) {
      this.error();
      s.open = false;
      s.recovering = 0;
    }
  }

  /** A message in progress reaches a new frame: a message may start here if an earlier frame was lost. */
  private restartAt(s: Stream): void {
    let r: MessageScanner;
    if (s.recovering < RECOVERY_STARTS) {
      r = s.restarts[s.recovering] ??= new MessageScanner();
      s.recovering++;
    } else {
      // Keep the latest starts: the oldest scanner is reused for the newest start.
      r = s.restarts.shift()!;
      s.restarts.push(r);
    }
    r.reset();
  }

  /** The delimiter of the open message arrived. */
  private close(s: Stream): void {
    s.open = false;
    const m = s.main.finish();
    const recovering = s.recovering;
    s.recovering = 0;
    if (m !== 'bad') {
      if (m === 'ext') this.extText = s.main.extText();
      else if (m === 'keepalive') this.keepaliveText = s.main.extText();
      this.found.push(m);
      return;
    }
    this.error();
    // As the reassembler: the earliest later frame boundary at which a message decodes.
    for (let k = 0; k < recovering; k++) {
      const again = s.restarts[k]!.finish();
      if (again !== 'bad') {
        if (again === 'ext') this.extText = s.restarts[k]!.extText();
        else if (again === 'keepalive') this.keepaliveText = s.restarts[k]!.extText();
        this.found.push(again);
        return;
      }
    }
  }

  private error(): void {
    this.decodeErrors++;
    this.frameErrors++;
  }

  private stream(id: number): Stream {
    let s = this.streams.get(id);
    if (s === undefined) {
      s = { open: false, bytes: 0, main: new MessageScanner(), restarts: [], recovering: 0 };
      this.streams.set(id, s);
    }
    return s;
  }

  /** Stations whose voice stopped without a PTT_STOP. */
  silenced(st: Station, nowMs: number): boolean {
    if (st.talking && nowMs - st.lastVoiceAt > PTT_STOP_LOST_MS) {
      st.talking = false;
      return true;
    }
    return false;
  }

  forget(stationId: number): void {
    this.streams.delete(stationId);
  }
}
