import { NFPROTO_IPV6 } from './constants.js';
import type { Tuple } from './tuple.js';

/**
 * SipHash-2-4 (the kernel's siphash(), lib/siphash.c) with its 64-bit lanes emulated as
 * pairs of int32 halves, so hashing a tuple allocates nothing (no BigInt, no heap number).
 * The conntrack table and the expectation table hash their tuples with it under a random
 * 128-bit key (nf_conntrack_hash_rnd), so an attacker cannot aim tuples at one bucket
 * (docs/core.md §3).
 *
 * A message is given as 64-bit little-endian words in an Int32Array (lo, hi, lo, hi, ...),
 * its last partial word zero-padded; the key as four int32 (k0 lo, k0 hi, k1 lo, k1 hi).
 */

/** High 32 bits of the last siphash() result (tests check all 64 bits against the reference vectors). */
export let siphashHigh = 0;

/**
 * SipHash-2-4 of `len` bytes held in `m` (⌈len/8⌉ words, padding zero). Returns the low
 * 32 bits as an int32 (what hash_conntrack_raw keeps); the high 32 bits in `siphashHigh`.
 */
export function siphash(m: Int32Array, len: number, key: Int32Array): number {
  const k0l = key[0]!;
  const k0h = key[1]!;
  const k1l = key[2]!;
  const k1h = key[3]!;
  // "somepseudorandomlygeneratedbytes"
  let v0l = k0l ^ 0x70736575;
  let v0h = k0h ^ 0x736f6d65;
  let v1l = k1l ^ 0x6e646f6d;
  let v1h = k1h ^ 0x646f7261;
  let v2l = k0l ^ 0x6e657261;
  let v2h = k0h ^ 0x6c796765;
  let v3l = k1l ^ 0x79746573;
  let v3h = k1h ^ 0x74656462;
  const full = len >>> 3;
  // Steps 0..full compress one word each (2 rounds); step full + 1 finalizes (4 rounds).
  for (let step = 0; step <= full + 1; step++) {
    let ml = 0;
    let mh = 0;
    let rounds = 4;
    if (step <= full) {
      ml = m[2 * step]!;
      mh = m[2 * step + 1]!;
      if (step === full) {
        // The last word: the 0..7 tail bytes, and the length in its top byte.
        const rest = len & 7;
        if (rest <= 4) {
          mh = 0;
          if (rest < 4) ml &= (1 << (8 * rest)) - 1;
        } else {
          mh &= (1 << (8 * (rest - 4))) - 1;
        }
        mh |= len << 24;
      }
      v3l ^= ml;
      v3h ^= mh;
      rounds = 2;
    } else {
      v2l ^= 0xff;
    }
    for (let r = 0; r < rounds; r++) {
      // SIPROUND; each 64-bit add is lo + hi with the carry, each rotation moves bits across halves.
      let lo = (v0l + v1l) | 0;
      v0h = (v0h + v1h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      let t = v1l;
      v1l = (v1l << 13) | (v1h >>> 19);
      v1h = (v1h << 13) | (t >>> 19);
      v1l ^= v0l;
      v1h ^= v0h;
      t = v0l;
      v0l = v0h;
      v0h = t;
      lo = (v2l + v3l) | 0;
      v2h = (v2h + v3h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      t = v3l;
      v3l = (v3l << 16) | (v3h >>> 16);
      v3h = (v3h << 16) | (t >>> 16);
      v3l ^= v2l;
      v3h ^= v2h;
      lo = (v0l + v3l) | 0;
      v0h = (v0h + v3h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      t = v3l;
      v3l = (v3l << 21) | (v3h >>> 11);
      v3h = (v3h << 21) | (t >>> 11);
      v3l ^= v0l;
      v3h ^= v0h;
      lo = (v2l + v1l) | 0;
      v2h = (v2h + v1h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      t = v1l;
      v1l = (v1l << 17) | (v1h >>> 15);
      v1h = (v1h << 17) | (t >>> 15);
      v1l ^= v2l;
      v1h ^= v2h;
      t = v2l;
      v2l = v2h;
      v2h = t;
    }
    v0l ^= ml;
    v0h ^= mh;
  }
  siphashHigh = v0h ^ v1h ^ v2h ^ v3h;
  return v0l ^ v1l ^ v2l ^ v3l;
}

/** Bytes of the tuple the kernel hashes: up to and including dst.protonum (offsetofend __nfct_hash_offsetend). */
export const TUPLE_HASH_LEN = 39;

/** LE u16 read of a port stored in network order. */
const le16 = (p: number) => ((p & 0xff) << 8) | ((p >>> 8) & 0xff);
/** LE u32 read of an address word stored in network order. */
const le32 = (a: number) => ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24);

/**
 * hash_conntrack_raw's message for an IPv4 tuple, as the kernel's struct
 * nf_conntrack_tuple lays it out in memory: src.u3 (16 bytes), src.u (port), src.l3num,
 * dst.u3 (16), dst.u (port), dst.protonum: 39 bytes, five words. The words an IPv4
 * address leaves zero are where IPv6's other 96 bits go.
 */
export function tupleHashWords(t: Tuple, m: Int32Array): void {
  const meta = t.meta;
  // IPv6: the other 96 bits of each address (a reused tuple may keep a stale ip6 for IPv4).
  const x = (meta & 0xff) === NFPROTO_IPV6 ? t.ip6 : null;
  m[0] = le32(t.src); // src.u3 bytes 0..7
  m[1] = x !== null ? le32(x.src1) : 0;
  m[2] = x !== null ? le32(x.src2) : 0; // src.u3 bytes 8..15
  m[3] = x !== null ? le32(x.src3) : 0;
  m[4] = le16(t.sport) | ((meta & 0xff) << 16); // src.u, src.l3num, dst.u3 bytes 0..3
  m[5] = le32(t.dst);
  m[6] = x !== null ? le32(x.dst1) : 0; // dst.u3 bytes 4..11
  m[7] = x !== null ? le32(x.dst2) : 0;
  m[8] = x !== null ? le32(x.dst3) : 0; // dst.u3 bytes 12..15, dst.u, dst.protonum
  m[9] = le16(t.dport) | (((meta >> 8) & 0xff) << 16);
}

/**
 * A 128-bit key for one table: from crypto.getRandomValues (nf_conntrack_hash_rnd), or
 * derived from `seed` when a test or `--seed` wants a reproducible bucket order.
 */
export function hashKey(seed?: number): Int32Array {
  const key = new Int32Array(4);
  if (seed === undefined) {
    globalThis.crypto.getRandomValues(key);
  } else {
    // A fixed spread of the seed over the four words (not secret: reproducibility only).
    key[0] = seed | 0;
    key[1] = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
    key[2] = Math.imul(seed ^ 0x7f4a7c15, 0xc2b2ae35);
    key[3] = Math.imul(seed ^ 0x165667b1, 0x27d4eb2f);
  }
  return key;
}

/** Bytes nf_ct_expect_dst_hash hashes: dst address (16), net mix (4), dport (2), l3num, protonum. */
export const EXPECT_HASH_LEN = 24;

/**
 * nf_ct_expect_dst_hash's message: only the destination side (an expectation's source may
 * be masked), zero-padded as the kernel's memset struct. The net mix is 0: each netns has
 * its own table and key. `m` needs 8 words (3 of message, one for the length word).
 */
export function expectHashWords(t: Tuple, m: Int32Array): void {
  const meta = t.meta;
  m[0] = le32(t.dst); // dst_addr bytes 0..7
  m[1] = 0;
  m[2] = 0; // dst_addr bytes 8..15
  m[3] = 0;
  m[4] = 0; // net_mix
  m[5] = le16(t.dport) | ((meta & 0xff) << 16) | (((meta >> 8) & 0xff) << 24); // dport, l3num, protonum
  m[6] = 0;
  m[7] = 0;
}
