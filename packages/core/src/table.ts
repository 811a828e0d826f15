import type { Conn, TupleHash } from './conn.js';
import { NFPROTO_IPV6 } from './constants.js';
import { reciprocalScale } from './jhash.js';
import { hashKey, siphash, TUPLE_HASH_LEN, tupleHashWords } from './siphash.js';
import { type Tuple, tuple6Equal } from './tuple.js';

/** Buckets are a multiple of 512 (a page of 8-byte chain heads), as the kernel rounds. */
export function roundBuckets(n: number): number {
  return Math.max(512, Math.ceil(n / 512) * 512);
}

/**
 * The conntrack hash table (nf_conntrack_hash): chains of tuplehashes, both directions
 * of every confirmed conn linked at their chain heads. The raw hash is 6.18's
 * hash_conntrack_raw: SipHash-2-4 over the tuple's 39 bytes (all 128 bits of an IPv6
 * address) under a random 128-bit key per table (nf_conntrack_hash_rnd, from
 * crypto.getRandomValues) with the zone id xored into its first word (siphash.ts,
 * docs/core.md §3); the bucket is reciprocal_scale(hash, size).
 */
export class ConntrackTable {
  heads: (TupleHash | null)[];
  size: number;
  /** The 128-bit SipHash key (k0 lo, k0 hi, k1 lo, k1 hi). */
  readonly key: Int32Array;
  /** The key with a zone id folded in, and the message words: reused, nothing allocated per hash. */
  private readonly zoneKey = new Int32Array(4);
  private readonly words = new Int32Array(10);

  /** `seed` fixes the key for a reproducible bucket order; without it the key is random. */
  constructor(buckets: number, seed?: number) {
    this.size = roundBuckets(buckets);
    this.heads = new Array<TupleHash | null>(this.size).fill(null);
    this.key = hashKey(seed);
  }

  /** hash_conntrack_raw: the raw 32-bit hash of `t` in `zone` (as int32; `bucket` takes it as is). */
  rawHash(t: Tuple, zone: number): number {
    const m = this.words;
    tupleHashWords(t, m);
    if (zone === 0) return siphash(m, TUPLE_HASH_LEN, this.key);
    const k = this.zoneKey;
    k.set(this.key);
    k[0] = k[0]! ^ zone; // key.key[0] ^= zoneid
    return siphash(m, TUPLE_HASH_LEN, k);
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
