/**
 * Which stations the engine stops remembering. A station that leaves with a BYE is
 * forgotten at once; one that just goes (power cut, lost link, a crash) never says so,
 * so whoever has been silent longer than HEARD_FORGET_MS is forgotten too (the server
 * itself drops a silent station after five minutes), and the list never holds more than
 * MAX_HEARD_STATIONS whatever arrives. Pure: the engine's clock decides.
 */

/** Silence after which a station that never said goodbye is forgotten. */
export const HEARD_FORGET_MS = 10 * 60_000;
/** At most this many stations remembered; beyond it the longest silent go first. */
export const MAX_HEARD_STATIONS = 1024;

export interface HeardLike {
  callsign: string;
  lastHeard: number;
  talking: boolean;
}

/** The callsigns to forget now. A station being heard (talking) is never forgotten. */
export function heardToForget(
  heard: Iterable<HeardLike>,
  now: number,
  limits: { idleMs: number; max: number } = { idleMs: HEARD_FORGET_MS, max: MAX_HEARD_STATIONS },
): string[] {
  const gone: string[] = [];
  const quiet: HeardLike[] = [];
  let kept = 0;
  for (const h of heard) {
    if (!h.talking && now - h.lastHeard > limits.idleMs) gone.push(h.callsign);
    else {
      kept++;
      if (!h.talking) quiet.push(h);
    }
  }
  if (kept > limits.max) {
    quiet.sort((a, b) => a.lastHeard - b.lastHeard);
    for (const h of quiet.slice(0, kept - limits.max)) gone.push(h.callsign);
  }
  return gone;
}
