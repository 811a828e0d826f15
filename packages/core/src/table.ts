import type { Conn, TupleHash } from './conn.js';
import { NFPROTO_IPV6 } from './constants.js';
import { jhash2Tuple9FullInt, jhash2Tuple9Int, reciprocalScale } from './jhash.js';
import { type Tuple, tuple6Equal } from './tuple.js';

/** Buckets are a multiple of 512 (a page of 8-byte chain heads), as the kernel rounds. */
export function roundBuckets(n: number): number {
  return Math.max(512, Math.ceil(n / 512) * 512);
}

/**
 * The conntrack hash table (nf_conntrack_hash): chains of tuplehashes, both directions
 * of every confirmed conn linked at their chain heads. The raw hash is jhash2 over the
 * tuple's nine words (all 128 bits of an IPv6 address) with a random seed per table
 * (docs/core.md §3, the old rule), folded
 * with the zone id; the bucket is reciprocal_scale(hash, size).
 */
export class ConntrackTable {
  heads: (TupleHash | null)[];
  size: number;
  /** int32. */
  readonly seed: number;

  constructor(buckets: number, seed: number) {
    this.size = roundBuckets(buckets);
    this.heads = new Array<TupleHash | null>(this.size).fill(null);
    this.seed = seed | 0;
  }

  /** hash_conntrack_raw: the raw 32-bit hash of `t` in `zone` (as int32; `bucket` takes it as is). */
  rawHash(t: Tuple, zone: number): number {
    const meta = t.meta;
    const initval = this.seed ^ zone ^ (t.dport << 16) ^ ((meta >> 8) & 0xff); // protonum
    const w4 = (t.sport << 16) | (meta & 0xff); // src.u.all and l3num
    if ((meta & 0xff) !== NFPROTO_IPV6) return jhash2Tuple9Int(t.src, w4, t.dst, initval);
    const x = t.ip6!;
    return jhash2Tuple9FullInt(t.src, x.src1, x.src2, x.src3, w4, t.dst, x.dst1, x.dst2, x.dst3, initval);
  }

  bucket(raw: number): number {
    return reciprocalScale(raw, this.size); // int32 in: no heap number for the argument
  }

  /**
   * ____nf_conntrack_find: the confirmed entry equal to `t` in `zone`, or null. Walks
   * one chain comparing numbers; allocates nothing.
   */
  find(t: Tuple, zone: number, raw: number): TupleHash | null {
    for (let h = this.heads[this.bucket(raw)]; h !== null; h = h.next) {
      if (
        h.src === t.src &&
        h.dst === t.dst &&
        h.sport === t.sport &&
        h.dport === t.dport &&
        ((h.meta ^ t.meta) & 0xffff) === 0 && // l3num and protonum
        ((t.meta & 0xff) !== NFPROTO_IPV6 || tuple6Equal(h.ip6, t.ip6)) &&
        h.ct.zone === zone
      ) {
        return h;
      }
    }
    return null;
  }

  /** Link both tuplehashes of `ct` at their chain heads (__nf_conntrack_hash_insert). */
  insert(ct: Conn, rawOrig: number, rawReply: number): void {
    this.link(ct, this.bucket(rawOrig));
    this.link(ct.reply, this.bucket(rawReply));
  }

  private link(h: TupleHash, b: number): void {
    h.next = this.heads[b];
    this.heads[b] = h;
  }

  /** Unlink both tuplehashes (clean_from_lists). */
  remove(ct: Conn): void {
    this.unlink(ct, this.bucket(this.rawHash(ct, ct.zone)));
    this.unlink(ct.reply, this.bucket(this.rawHash(ct.reply, ct.zone)));
  }

  private unlink(h: TupleHash, b: number): void {
    let prev: TupleHash | null = null;
    for (let cur = this.heads[b]; cur !== null; prev = cur, cur = cur.next) {
      if (cur === h) {
        if (prev === null) this.heads[b] = cur.next;
        else prev.next = cur.next;
        h.next = null;
        return;
      }
    }
  }

  /** Length of the chain for `raw` (the chain limit check at confirm). */
  chainLength(raw: number): number {
    let n = 0;
    for (let h = this.heads[this.bucket(raw)]; h !== null; h = h.next) n++;
    return n;
  }

  /** Rehash into `buckets` chains (nf_conntrack_hash_resize). */
  resize(buckets: number): void {
    const old = this.heads;
    this.size = roundBuckets(buckets);
    this.heads = new Array<TupleHash | null>(this.size).fill(null);
    for (let b = 0; b < old.length; b++) {
      let h: TupleHash | null = old[b] ?? null;
      while (h !== null) {
        const next = h.next;
        this.link(h, this.bucket(this.rawHash(h, h.ct.zone)));
        h = next;
      }
    }
  }

  /** Every confirmed conn once (by its ORIGINAL tuplehash), in bucket order. */
  *conns(): IterableIterator<Conn> {
    for (let b = 0; b < this.heads.length; b++) {
      for (let h = this.heads[b]; h !== null; h = h.next) if (h.dir === 0) yield h.ct;
    }
  }
}
