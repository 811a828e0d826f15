/**
 * A binary min-heap whose entries know their own position, so an entry can be
 * removed or moved up in O(log n) without a search. Used for the conns' expiry timers
 * and the expectations' timeouts. Subclasses say how entries compare and where each
 * keeps its index (a field on the entry, -1 when not in the heap).
 */
export abstract class IndexedHeap<T> {
  protected readonly heap: T[] = [];

  protected abstract less(a: T, b: T): boolean;
  protected abstract indexOf(x: T): number;
  protected abstract setIndex(x: T, i: number): void;

  get size(): number {
    return this.heap.length;
  }

  /** The smallest entry, or undefined when empty. */
  peek(): T | undefined {
    return this.heap[0];
  }

  insert(x: T): void {
    this.setIndex(x, this.heap.length);
    this.heap.push(x);
    this.up(this.heap.length - 1);
  }

  /** Remove `x` if it is in the heap. */
  delete(x: T): void {
    const i = this.indexOf(x);
    if (i < 0) return;
    const last = this.heap.pop()!;
    this.setIndex(x, -1);
    if (last !== x) {
      this.heap[i] = last;
      this.setIndex(last, i);
      this.down(i);
      this.up(this.indexOf(last));
    }
  }

  /** Forget every entry. */
  clear(): void {
    for (const x of this.heap) this.setIndex(x, -1);
    this.heap.length = 0;
  }

  /** Restore order after the entry at `i` got smaller. */
  protected up(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = h[p]!;
      if (!this.less(x, y)) break;
      h[i] = y;
      this.setIndex(y, i);
      i = p;
    }
    h[i] = x;
    this.setIndex(x, i);
  }

  /** Restore order after the entry at `i` got larger. */
  protected down(i: number): void {
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
      this.setIndex(y, i);
      i = c;
    }
    h[i] = x;
    this.setIndex(x, i);
  }
}
