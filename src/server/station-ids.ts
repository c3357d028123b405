import { tryDecodeCallsign } from '../protocol/index.js';

const MAX_ID_CACHE = 100_000;

/**
 * Station id → callsign (null: not a valid base-40 callsign), cached: the hot path decodes
 * each id once. Bounded: a flood of random ids clears it rather than growing it.
 */
export class CallsignCache {
  private readonly ids = new Map<number, string | null>();

  callsignOf(id: number): string | null {
    let callsign = this.ids.get(id);
    if (callsign === undefined) {
      const d = tryDecodeCallsign(id);
      callsign = d.ok ? d.value : null;
      if (this.ids.size >= MAX_ID_CACHE) this.ids.clear();
      this.ids.set(id, callsign);
    }
    return callsign;
  }
}
