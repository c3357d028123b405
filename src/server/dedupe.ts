/**
 * A peer's recently accepted sequence numbers: a frame or message seen once is never
 * accepted again. Bounded: it keeps the last `size` numbers; anything at or below the
 * oldest number it has forgotten is refused too (it cannot tell a replay from a very
 * late duplicate, and voice that late is useless anyway).
 */
export type SeenVerdict = 'new' | 'duplicate' | 'too_old';

export class SeenWindow {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  private head = 0;
  /** Everything ≤ floor is refused: the numbers forgotten to keep the window small. */
  private floor = -1;

  constructor(private readonly size = 2048) {}

  /** Records `seq` if new; says whether it was. */
  check(seq: number): SeenVerdict {
    if (seq <= this.floor) return 'too_old';
    if (this.seen.has(seq)) return 'duplicate';
    this.seen.add(seq);
    if (this.order.length < this.size) {
      this.order.push(seq);
      return 'new';
    }
    // Ring buffer: forget the oldest recorded number and raise the floor to it (never lower it).
    const old = this.order[this.head]!;
    this.order[this.head] = seq;
    this.head = (this.head + 1) % this.size;
    this.seen.delete(old);
    if (old > this.floor) this.floor = old;
    return 'new';
  }

  get count(): number {
    return this.seen.size;
  }
}
