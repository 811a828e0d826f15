import type { Conn } from './conn.js';

/**
 * Per-conn expiry timers (the old model: each confirmed conn fires at its exact
 * deadline), kept as one binary min-heap of conns. Refreshing a conn to a later
 * deadline costs nothing here: the entry keeps its old key and is re-armed when it
 * surfaces; an earlier deadline moves the entry up at once. Ties fire in id order so
 * a replay always yields the same events.
 */
export class Timers {
  private heap: Conn[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** Deadline of the earliest entry (Infinity when none). May be earlier than the real one (lazy re-arm). */
  get next(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!.timerKey;
  }

  /** Arm at `ct.timeout` (confirm). */
  add(ct: Conn): void {
    ct.timerKey = ct.timeout;
    ct.timerIndex = this.heap.length;
    this.heap.push(ct);
    this.up(ct.timerIndex);
  }

  /** The deadline changed (refresh): only an earlier one needs moving now. */
  update(ct: Conn): void {
    if (ct.timerIndex >= 0 && ct.timeout < ct.timerKey) {
      ct.timerKey = ct.timeout;
      this.up(ct.timerIndex);
    }
  }

  remove(ct: Conn): void {
    const i = ct.timerIndex;
    if (i < 0) return;
    const last = this.heap.pop()!;
    ct.timerIndex = -1;
    if (last !== ct) {
      this.heap[i] = last;
      last.timerIndex = i;
      this.down(i);
      this.up(last.timerIndex);
    }
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
      this.remove(ct);
      return ct;
    }
    return null;
  }

  private less(a: Conn, b: Conn): boolean {
    // ids are stored as int32: ties order by the unsigned id.
    return a.timerKey < b.timerKey || (a.timerKey === b.timerKey && a.id >>> 0 < b.id >>> 0);
  }

  private up(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = h[p]!;
      if (!this.less(x, y)) break;
      h[i] = y;
      y.timerIndex = i;
      i = p;
    }
    h[i] = x;
    x.timerIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(h[c + 1]!, h[c]!)) c++;
      const y = h[c]!;
      if (!this.less(y, x)) break;
      h[i] = y;
      y.timerIndex = i;
      i = c;
    }
    h[i] = x;
    x.timerIndex = i;
  }
}
