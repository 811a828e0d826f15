/**
 * Which worker of a sharded replay sees a packet. Everything conntrack must see in one
 * tracker lands on one worker: the hash is symmetric over the address pair only, so
 * both directions of a flow, every fragment of a datagram (later fragments carry no
 * ports), an FTP or TFTP data connection and its control connection (same hosts), and
 * an ICMP error with the flow it quotes (hashed by the quoted header's addresses)
 * share a worker. Reads the header in place; allocates nothing.
 */

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/** ICMP types that quote the packet that caused them (RFC 792): unreachable, quench, redirect, time exceeded, parameter problem. */
function icmpQuotes(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** A symmetric mix of two addresses (Murmur3's finaliser over their xor and sum). */
function pairHash(a: number, b: number): number {
  return fmix(a ^ b ^ Math.imul((a + b) >>> 0, 0x9e3779b1));
}

function fmix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Worker index in [0, workers) for the IPv4 packet at `b[nh .. nh+len)`. A packet too
 * short to read its addresses goes to worker 0 (it is dropped before conntrack there).
 */
export function shardOfIpv4(b: Uint8Array, nh: number, len: number, workers: number): number {
  if (workers <= 1 || len < 20) return 0;
  let src = u32(b, nh + 12);
  let dst = u32(b, nh + 16);
  const ihl = (b[nh]! & 0x0f) * 4;
  const fragOff = ((b[nh + 6]! & 0x1f) << 8) | b[nh + 7]!;
  // A first fragment (or an unfragmented packet) of ICMP: an error quotes its cause.
  if (b[nh + 9] === IPPROTO_ICMP && fragOff === 0 && len >= ihl + 8 + 20 && icmpQuotes(b[nh + ihl]!)) {
    const inner = nh + ihl + 8;
    src = u32(b, inner + 12);
    dst = u32(b, inner + 16);
  }
  return pairHash(src, dst) % workers;
}

/** ICMPv6 errors (types below 128) quote the packet that caused them (RFC 4443). */
function icmp6Quotes(type: number): boolean {
  return type < 128;
}

/** Fold an IPv6 address (16 bytes at `o`) to 32 bits. */
function fold6(b: Uint8Array, o: number): number {
  return (u32(b, o) ^ u32(b, o + 4) ^ u32(b, o + 8) ^ u32(b, o + 12)) >>> 0;
}

/**
 * Worker index for the IPv6 packet at `b[nh .. nh+len)`: the same rule as IPv4 over the
 * folded address pair. An ICMPv6 error directly after the fixed header is hashed by the
 * header it quotes (one behind extension headers goes by its own addresses: the quoted
 * flow's worker may differ, a documented limit).
 */
export function shardOfIpv6(b: Uint8Array, nh: number, len: number, workers: number): number {
  if (workers <= 1 || len < 40) return 0;
  let at = nh;
  if (b[nh + 6] === IPPROTO_ICMPV6 && len >= 40 + 8 + 40 && icmp6Quotes(b[nh + 40]!)) at = nh + 48;
  return pairHash(fold6(b, at + 8), fold6(b, at + 24)) % workers;
}
