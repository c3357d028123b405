import { Reassembler, type DecodedMessage } from '../protocol/index.js';
import { isExtText } from '../protocol/ext.js';
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
}

/** A voice gap this long means the PTT_STOP was lost. */
const TALK_GAP_MS = 1500;

/**
 * Passive per-station reassembly of what registered stations send, to classify frames
 * (voice/text/control), to know who is talking, and to spot KEEPALIVE and BYE. It
 * reads; it never changes what the relay forwards.
 */
export class Inspector {
  private readonly reassembler = new Reassembler();
  private readonly found: DecodedMessage[] = [];
  decodeErrors = 0;

  inspect(st: Station, frame: Buffer, nowMs: number): Inspection {
    const atBoundary = this.reassembler.pendingBytes(st.stationId) === 0;
    this.found.length = 0;
    st.framesInMessage++;
    this.reassembler.pushFrame(st.stationId, frame, (_id, ev) => {
      if (ev.type === 'message') this.found.push(ev.message);
      else this.decodeErrors++;
    });
    const r: Inspection = { keepaliveOnly: false, bye: false, pttStart: false, pttStop: false, ext: null };
    for (const m of this.found) {
      st.byKind[m.kind] += st.framesInMessage;
      st.framesInMessage = 0;
      if (m.kind === 'voice') {
        st.lastVoiceAt = nowMs;
        if (!st.talking) {
          st.talking = true;
          r.pttStart = true;
        }
      } else if (m.kind === 'control') {
        switch (m.control.type) {
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
            r.keepaliveOnly = atBoundary && this.found.length === 1;
            break;
          default:
            if (isExtText(m.text)) r.ext = m.text;
            break;
        }
      }
    }
    return r;
  }

  /** Stations whose voice stopped without a PTT_STOP. */
  silenced(st: Station, nowMs: number): boolean {
    if (st.talking && nowMs - st.lastVoiceAt > TALK_GAP_MS) {
      st.talking = false;
      return true;
    }
    return false;
  }

  forget(stationId: number): void {
    this.reassembler.forget(stationId);
  }
}
