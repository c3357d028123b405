import { FRAME_INTERVAL_MS } from '../protocol/index.js';

/**
 * A talkspurt that ended without PTT_STOP (the link or the server went away) stays one
 * history entry if the same transmission resumes within this long: a server restart
 * and every station re-registering take under 3 s.
 */
export const RESUME_WITHIN_MS = 5000;
/** A PTT_START this long before the first voice heard belongs to it (missed frames counted as lost). */
export const MAX_START_GAP_MS = 10_000;

/** What is known of one remote station's transmission when a new talkspurt begins. */
export interface RxSpanFacts {
  /** PTT_START seen and no PTT_STOP since. */
  keyed: boolean;
  keyedAt: number;
  /** The entry of a talkspurt that ended without PTT_STOP, still open; null if none. */
  suspended: { lastSlotAt: number; endedAt: number } | null;
  /** Frames the sender skipped since the talkspurt before, by RTP sequence; null: not the same stream. */
  resumeGap: number | null;
}

/** Where a talkspurt beginning at `at` goes, and how many 40 ms frames were lost before it. */
export type RxSpanPlace = { kind: 'resume'; missed: number } | { kind: 'new'; missed: number; startAt: number };

/**
 * Pure: the first packet of a talkspurt, at `at`, with or without the RTP marker (set by
 * the sender on the first packet after its PTT press). Without the marker the sender never
 * released: soon after an unclean end it is the same transmission. The sequence numbers
 * it skipped are the frames that went missing (none when a stalled sender's backlog merely
 * came late); failing those, the time since the last frame played, with one frame of slack
 * for arrival jitter and played-out time behind arrival: never more losses than happened.
 */
export function placeTalkspurt(f: RxSpanFacts, at: number, marker: boolean): RxSpanPlace {
  // A PTT_START since the cut is a new press, even from a sender that sets no marker (the reference).
  const pressedSince = f.suspended !== null && f.keyed && f.keyedAt >= f.suspended.endedAt;
  if (f.suspended !== null && !marker && !pressedSince && at - f.suspended.endedAt <= RESUME_WITHIN_MS) {
    return { kind: 'resume', missed: f.resumeGap ?? framesBetween(f.suspended.lastSlotAt, at) };
  }
  const missed = !marker && f.keyed && at - f.keyedAt < MAX_START_GAP_MS ? framesBetween(f.keyedAt, at) : 0;
  return { kind: 'new', missed, startAt: f.keyed && missed > 0 ? f.keyedAt : at };
}

/** Has a suspended entry waited long enough that nothing will resume it? */
export function suspensionOver(endedAt: number, now: number): boolean {
  return now - endedAt > RESUME_WITHIN_MS;
}

const framesBetween = (from: number, to: number): number => Math.max(0, Math.round((to - from) / FRAME_INTERVAL_MS) - 2);
