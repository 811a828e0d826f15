/** u32 sequence arithmetic (include/net/tcp.h before/after). */

/** before(a, b): a comes before b modulo 2^32. */
export function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** after(a, b) = before(b, a). */
export function after(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** a + b as u32. */
export function add32(a: number, b: number): number {
  return (a + b) >>> 0;
}

/** a − b as u32. */
export function sub32(a: number, b: number): number {
  return (a - b) >>> 0;
}
