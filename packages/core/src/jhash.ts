/**
 * Bob Jenkins' lookup3 as the kernel has it (include/linux/jhash.h): jhash2 over u32
 * words and the reciprocal_scale bucket mapping. All arithmetic is on int32 with
 * explicit wraparound, so nothing allocates.
 */
export const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// __jhash_mix / __jhash_final operate on three words; we keep them in module state
// so the hot path passes numbers, not arrays.
let a = 0;
let b = 0;
let c = 0;

function mix(): void {
  a = (a - c) | 0;
  a ^= rol32(c, 4);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 6);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 8);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= rol32(c, 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 19);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 4);
  b = (b + a) | 0;
}

function final(): void {
  c ^= b;
  c = (c - rol32(b, 14)) | 0;
  a ^= c;
  a = (a - rol32(c, 11)) | 0;
  b ^= a;
  b = (b - rol32(a, 25)) | 0;
  c ^= b;
  c = (c - rol32(b, 16)) | 0;
  a ^= c;
  a = (a - rol32(c, 4)) | 0;
  b ^= a;
  b = (b - rol32(a, 14)) | 0;
  c ^= b;
  c = (c - rol32(b, 24)) | 0;
}

/** jhash2(k, length, initval) over an array of u32 words; returns an unsigned u32. */
export function jhash2(k: ArrayLike<number>, length: number, initval: number): number {
  a = b = c = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let i = 0;
  while (length > 3) {
    a = (a + k[i]!) | 0;
    b = (b + k[i + 1]!) | 0;
    c = (c + k[i + 2]!) | 0;
    mix();
    length -= 3;
    i += 3;
  }
  // The tail: the last 1..3 words are added before the final mix; none, no final.
  if (length === 0) return c >>> 0;
  if (length === 3) c = (c + k[i + 2]!) | 0;
  if (length >= 2) b = (b + k[i + 1]!) | 0;
  a = (a + k[i]!) | 0;
  final();
  return c >>> 0;
}

/**
 * jhash2 over the nine words of an IPv4 nf_conntrack_tuple (src.u3[4], src.u+l3num,
 * dst.u3[4]) without building the array: the address words beyond the first are zero.
 * `w4` is the word holding src.u and l3num. The per-packet hash: mix() and final() are
 * written out here on locals (the shared `a`/`b`/`c` above are module context slots,
 * slower to read and write than registers). Same result as jhash2 over the nine words.
 */
export function jhash2Tuple9(src: number, w4: number, dst: number, initval: number): number {
  return jhash2Tuple9Int(src, w4, dst, initval) >>> 0;
}

/**
 * jhash2Tuple9 as an int32 (the same 32 bits, `| 0`): the form the table uses. A u32
 * result ≥ 2³¹ is not a small integer, so returning it from a call that is not inlined,
 * or passing it on, allocates a 16-byte heap number; half of all hashes are such.
 */
export function jhash2Tuple9Int(src: number, w4: number, dst: number, initval: number): number {
  let a = (JHASH_INITVAL + (9 << 2) + initval) | 0;
  let b = a;
  let c = a;
  // words 0..2: src.u3[0..2]
  a = (a + src) | 0;
  // __jhash_mix
  a = (a - c) | 0;
  a ^= (c << 4) | (c >>> 28);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= (a << 6) | (a >>> 26);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= (b << 8) | (b >>> 24);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= (c << 16) | (c >>> 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= (a << 19) | (a >>> 13);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= (b << 4) | (b >>> 28);
  b = (b + a) | 0;
  // words 3..5: src.u3[3]=0, src.u|l3num, dst.u3[0]
  b = (b + w4) | 0;
  c = (c + dst) | 0;
  // __jhash_mix
  a = (a - c) | 0;
  a ^= (c << 4) | (c >>> 28);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= (a << 6) | (a >>> 26);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= (b << 8) | (b >>> 24);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= (c << 16) | (c >>> 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= (a << 19) | (a >>> 13);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= (b << 4) | (b >>> 28);
  b = (b + a) | 0;
  // words 6..8: dst.u3[1..3] are zero, so the tail adds nothing; __jhash_final
  c ^= b;
  c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c;
  a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a;
  b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b;
  c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c;
  a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a;
  b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b;
  c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c;
}

/**
 * jhash2 over all nine words of an nf_conntrack_tuple (src.u3[0..3], src.u + l3num,
 * dst.u3[0..3]) as an int32: the IPv6 form, where the address words beyond the first are
 * set. Same result as jhash2Tuple9Int when `s1..s3` and `d1..d3` are zero.
 */
export function jhash2Tuple9FullInt(
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  w4: number,
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  initval: number,
): number {
  a = b = c = (JHASH_INITVAL + (9 << 2) + initval) | 0;
  a = (a + s0) | 0;
  b = (b + s1) | 0;
  c = (c + s2) | 0;
  mix();
  a = (a + s3) | 0;
  b = (b + w4) | 0;
  c = (c + d0) | 0;
  mix();
  c = (c + d3) | 0;
  b = (b + d2) | 0;
  a = (a + d1) | 0;
  final();
  return c;
}

/** jhash_3words / jhash_1word as in the kernel (used for ids and expectation hashing). */
export function jhash3words(x: number, y: number, z: number, initval: number): number {
  return jhash3wordsInt(x, y, z, initval) >>> 0;
}

/** jhash3words as an int32 (`| 0` of the same bits; no heap number). */
export function jhash3wordsInt(x: number, y: number, z: number, initval: number): number {
  a = (JHASH_INITVAL + (3 << 2) + initval + x) | 0;
  b = (JHASH_INITVAL + (3 << 2) + initval + y) | 0;
  c = (JHASH_INITVAL + (3 << 2) + initval + z) | 0;
  final();
  return c;
}

/**
 * reciprocal_scale(val, ep_ro) = ((u64)val * ep_ro) >> 32, exact for u32 inputs. `val`
 * may also be given as the int32 of the same bits (what the table passes: an int32 is a
 * small integer, a u32 ≥ 2³¹ passed to a call that is not inlined is a heap number).
 */
export function reciprocalScale(val: number, epRo: number): number {
  // val and epRo are < 2^32, the product < 2^64: split val to stay within 2^53.
  const hi = (val >>> 16) * epRo;
  const lo = (val & 0xffff) * epRo;
  return Math.floor((hi + Math.floor(lo / 65536)) / 65536);
}
