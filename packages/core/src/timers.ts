import type { Conn } from './conn.js';
import { IndexedHeap } from './indexed-heap.js';

/**
 * Per-conn expiry timers (the old model: each confirmed conn fires at its exact
 * deadline), kept as one binary min-heap of conns. Refreshing a conn to a later
 * deadline costs nothing here: the entry keeps its old key and is re-armed when it
 * surfaces; an earlier deadline moves the entry up at once. Ties fire in id order so
 * a replay always yields the same events.
 */
export class Timers extends IndexedHeap<Conn> {
  /** Deadline of the earliest entry (Infinity when none). May be earlier than the real one (lazy re-arm). */
  get next(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!.timerKey;
  }

  /** Arm at `ct.timeout` (confirm). */
  add(ct: Conn): void {
    ct.timerKey = ct.timeout;
    this.insert(ct);
  }

  /** The deadline changed (refresh): only an earlier one needs moving now. */
  update(ct: Conn): void {
    if (ct.timerIndex >= 0 && ct.timeout < ct.timerKey) {
      ct.timerKey = ct.timeout;
      this.up(ct.timerIndex);
    }
  }

  remove(ct: Conn): void {
    this.delete(ct);
  }

  /**
   * Pop the next conn whose real deadline is ≤ `now`, re-arming entries whose
   * deadline moved later. Returns null when nothing is due.
   */
  popExpired(now: number): Conn | null {
    const h = this.heap;
    while (h.length > 0 && h[0]!.timerKey <= now) {
      const ct = h[0]!;
      if (ct.timeout > ct.timerKey) {
        ct.timerKey = ct.timeout;
        this.down(0);
        continue;
      }
      this.delete(ct);
      return ct;
    }
    return null;
  }

  protected less(a: Conn, b: Conn): boolean {
    // Ties order by the unsigned id (derived from the conn's sequence number, so a sharded
    // replay's trackers agree on it); computed only for equal deadlines.
    return a.timerKey < b.timerKey || (a.timerKey === b.timerKey && a.id >>> 0 < b.id >>> 0);
  }

  protected indexOf(ct: Conn): number {
    return ct.timerIndex;
  }

  protected setIndex(ct: Conn, i: number): void {
    ct.timerIndex = i;
  }
}
