/**
 * What this station heard of one other station: how many transmissions and their total
 * time on air, in constant space. Transmission entries arrive from history many times
 * (their running length while open, once more when closed); only the open ones are
 * kept by id, so a net chatting for days costs the same as one that just started.
 */

/** Open entries kept by id (one per sender in practice; more only if closes were lost). */
const MAX_OPEN = 8;
/** Recently closed ids: a repeated final update of one is not counted twice. */
const RECENT_CLOSED = 8;

export interface AirtimeUpdate {
  id: number;
  durationMs: number;
  open: boolean;
}

export class AirtimeTally {
  private closedCount = 0;
  private closedMs = 0;
  private readonly open = new Map<number, number>();
  private readonly recentClosed: number[] = [];

  add(e: AirtimeUpdate): void {
    if (this.recentClosed.includes(e.id)) return;
    if (e.open) {
      this.open.delete(e.id); // re-inserted last: the map's order is by latest update
      this.open.set(e.id, e.durationMs);
      if (this.open.size > MAX_OPEN) {
        const [oldest, ms] = this.open.entries().next().value as [number, number];
        this.close(oldest, ms);
      }
      return;
    }
    this.close(e.id, e.durationMs);
  }

  private close(id: number, ms: number): void {
    this.open.delete(id);
    this.closedCount++;
    this.closedMs += ms;
    this.recentClosed.push(id);
    if (this.recentClosed.length > RECENT_CLOSED) this.recentClosed.shift();
  }

  get transmissions(): number {
    return this.closedCount + this.open.size;
  }

  get onAirMs(): number {
    let ms = this.closedMs;
    for (const v of this.open.values()) ms += v;
    return ms;
  }

  /** Ids held (open plus recently closed): constant however long the session. */
  get heldIds(): number {
    return this.open.size + this.recentClosed.length;
  }
}
