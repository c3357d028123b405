/**
 * Per-frame authentication tags (docs/EXTENSIONS.md, "Frame tags"): a station whose
 * session negotiated them puts the first 3 bytes of HMAC-SHA256(frame key, counter ||
 * frame with the reserved bytes zeroed) in the header's reserved bytes (offsets 9–11).
 * The counter is implicit (never sent): 0 for the session's first tagged frame, +1 per
 * frame. Receivers ignore reserved bytes, so tagged frames are relayed unchanged.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { AUTH_DOMAIN } from '../protocol/auth.js';
import { FRAME_SIZE } from '../protocol/constants.js';

const RESERVED_AT = 9;
const PAYLOAD_AT = 12;
/** A tag matches any counter in [next, next + this): frames lost on the way do not desynchronise. */
export const FRAME_TAG_WINDOW = 64;
/** After a longer outage, a failing frame may search this far ahead, at most once per RESYNC_EVERY_MS. */
export const FRAME_TAG_RESYNC = 1024;
export const FRAME_TAG_RESYNC_EVERY_MS = 1000;

const ZERO3 = Buffer.alloc(3);

/** Frame key = HKDF-SHA256(session key, no salt, info = `opv-auth-v1 frame-tag`). */
export function frameKey(sessionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionKey, Buffer.alloc(0), `${AUTH_DOMAIN} frame-tag`, 32));
}

/** The 24-bit tag of `frame` at `counter` (reserved bytes are treated as zero, whatever they hold). */
export function frameTag(key: Buffer, counter: number, frame: Uint8Array, scratch: Buffer = Buffer.alloc(8)): number {
  scratch.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 0);
  scratch.writeUInt32BE(counter >>> 0, 4);
  const d = createHmac('sha256', key).update(scratch).update(frame.subarray(0, RESERVED_AT)).update(ZERO3).update(frame.subarray(PAYLOAD_AT)).digest();
  return (d[0]! << 16) | (d[1]! << 8) | d[2]!;
}

function readTag(frame: Uint8Array): number {
  return (frame[RESERVED_AT]! << 16) | (frame[RESERVED_AT + 1]! << 8) | frame[RESERVED_AT + 2]!;
}

/** The station's side: tags each frame it sends, in order. */
export class FrameTagger {
  private counter = 0;
  private readonly scratch = Buffer.alloc(8);
  constructor(private readonly key: Buffer) {}

  /** Writes the tag into the frame's reserved bytes (in place). */
  tag(frame: Uint8Array): void {
    if (frame.length !== FRAME_SIZE) return;
    const t = frameTag(this.key, this.counter++, frame, this.scratch);
    frame[RESERVED_AT] = t >>> 16;
    frame[RESERVED_AT + 1] = (t >>> 8) & 0xff;
    frame[RESERVED_AT + 2] = t & 0xff;
  }

  get sent(): number {
    return this.counter;
  }
}

/**
 * The server's side: the expected next counter and the anti-replay window. A frame is
 * accepted when its tag matches a counter in [next, next + W); next then moves past it,
 * so a replayed frame (its counter is behind) or an altered one fails.
 */
export class FrameTagVerifier {
  next = 0;
  private lastResyncAt = -Infinity;
  private readonly scratch = Buffer.alloc(8);
  constructor(private readonly key: Buffer) {}

  check(frame: Uint8Array, nowMs: number): boolean {
    const got = readTag(frame);
    if (this.search(frame, got, this.next, this.next + FRAME_TAG_WINDOW)) return true;
    // A long outage (more than W frames lost): search further, but rarely, so forged
    // frames cannot make the server hash a thousand times each.
    if (nowMs - this.lastResyncAt < FRAME_TAG_RESYNC_EVERY_MS) return false;
    this.lastResyncAt = nowMs;
    return this.search(frame, got, this.next + FRAME_TAG_WINDOW, this.next + FRAME_TAG_RESYNC);
  }

  /**
   * Would these frames, in order, all pass? On success the verifier is left as it was
   * (they are checked again, for real, when relayed); a failure keeps its resync time,
   * so forged frames cannot buy more searches this way than through check().
   */
  wouldAccept(frames: readonly Uint8Array[], nowMs: number): boolean {
    const next = this.next;
    const resyncAt = this.lastResyncAt;
    const ok = frames.length > 0 && frames.every((f) => this.check(f, nowMs));
    this.next = next;
    if (ok) this.lastResyncAt = resyncAt;
    return ok;
  }

  private search(frame: Uint8Array, got: number, from: number, to: number): boolean {
    for (let c = from; c < to; c++) {
      if (frameTag(this.key, c, frame, this.scratch) === got) {
        this.next = c + 1;
        return true;
      }
    }
    return false;
  }
}
