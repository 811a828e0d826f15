/**
 * Timestamp conversion to whole microseconds (floored) without per-packet allocation.
 * A 64-bit count of 1/unitsPerSec units arrives as two u32 halves; nanosecond counts
 * exceed 2^53, so the division is done as long division in base 2^16.
 */
const TWO32 = 4294967296;
const SAFE_HI = 1 << 21; // hi * 2^32 + lo stays below 2^53

export function unitsToUs(hi: number, lo: number, unitsPerSec: number): number {
  if (unitsPerSec === 1_000_000) return hi * TWO32 + lo;
  if (hi < SAFE_HI) return smallToUs(hi * TWO32 + lo, unitsPerSec);
  if (unitsPerSec <= 1e11) return longDivToUs(hi, lo, unitsPerSec);
  return bigToUs(hi, lo, unitsPerSec);
}

function fracToUs(sec: number, rem: number, r: number): number {
  // rem < r ≤ 1e11, so rem * 1e6 < 2^53 only while r ≤ ~9e9; above that scale first.
  const us = r <= 9e9 ? Math.floor((rem * 1e6) / r) : Math.floor(rem / (r / 1e6));
  return sec * 1_000_000 + us;
}

function smallToUs(ts: number, r: number): number {
  let sec = Math.floor(ts / r);
  let rem = ts - sec * r;
  // The float quotient may round up across an integer: correct it.
  if (rem < 0) {
    sec--;
    rem += r;
  }
  return fracToUs(sec, rem, r);
}

function longDivToUs(hi: number, lo: number, r: number): number {
  // Four base-2^16 digits, most significant first; every partial value stays exact.
  let cur = hi >>> 16;
  let sec = Math.floor(cur / r);
  let rem = cur - sec * r;
  cur = rem * 65536 + (hi & 0xffff);
  let q = Math.floor(cur / r);
  rem = cur - q * r;
  sec = sec * 65536 + q;
  cur = rem * 65536 + (lo >>> 16);
  q = Math.floor(cur / r);
  rem = cur - q * r;
  sec = sec * 65536 + q;
  cur = rem * 65536 + (lo & 0xffff);
  q = Math.floor(cur / r);
  rem = cur - q * r;
  sec = sec * 65536 + q;
  return fracToUs(sec, rem, r);
}

function bigToUs(hi: number, lo: number, r: number): number {
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  return Number((ts * 1_000_000n) / BigInt(r));
}
