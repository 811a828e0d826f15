/**
 * Internet checksums (RFC 1071) over packet bytes, for the l3/l4 checks the kernel does
 * when nf_conntrack_checksum is on. Plain loops over the Uint8Array; no allocation.
 */

/** One's-complement sum of `len` bytes from `off`, folded to 16 bits, added to `sum`. */
export function csumPartial(data: Uint8Array, off: number, len: number, sum = 0): number {
  let s = sum;
  let i = off;
  // Eight bytes (four 16-bit words) per iteration, then the rest word by word. The
  // sum is exact (far below 2^53 for any IPv4 length) and folded once at the end.
  const end8 = off + len - 7;
  for (; i < end8; i += 8) {
    s +=
      ((data[i]! << 8) | data[i + 1]!) +
      ((data[i + 2]! << 8) | data[i + 3]!) +
      ((data[i + 4]! << 8) | data[i + 5]!) +
      ((data[i + 6]! << 8) | data[i + 7]!);
  }
  const end = off + len - 1;
  for (; i < end; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (i === end) s += data[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** ip_fast_csum: true when the IPv4 header at `off` (ihl words) sums to 0xffff. */
export function ipHeaderChecksumOk(data: Uint8Array, off: number, ihlBytes: number): boolean {
  return csumPartial(data, off, ihlBytes) === 0xffff;
}

/**
 * TCP/UDP checksum check with the IPv4 pseudo header: true when the segment of `len`
 * bytes at `off` sums to 0xffff together with saddr, daddr, protocol and length.
 * The addresses may be given as u32 or as the int32 of the same bits.
 */
export function l4ChecksumOk(
  data: Uint8Array,
  off: number,
  len: number,
  saddr: number,
  daddr: number,
  proto: number,
): boolean {
  let s = (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + len;
  s = csumPartial(data, off, len, s);
  return s === 0xffff;
}

/**
 * The pseudo-header sum of the packet's network header for an l4 segment of `l4len`
 * bytes of `proto`, for either family (by the header's version nibble): IPv4 saddr,
 * daddr, protocol and length (nf_ip_checksum); IPv6 saddr, daddr (16 bytes each), the
 * 32-bit upper-layer length and next header (nf_ip6_checksum, RFC 8200 §8.1). Unfolded;
 * give it to csumPartial as the starting sum.
 */
export function l3PseudoSum(data: Uint8Array, nhoff: number, l4len: number, proto: number): number {
  if (data[nhoff]! >>> 4 === 6) {
    return csumPartial(data, nhoff + 8, 32, proto + (l4len >>> 16) + (l4len & 0xffff));
  }
  const o = nhoff + 12;
  return (
    ((data[o]! << 8) | data[o + 1]!) +
    ((data[o + 2]! << 8) | data[o + 3]!) +
    ((data[o + 4]! << 8) | data[o + 5]!) +
    ((data[o + 6]! << 8) | data[o + 7]!) +
    proto +
    l4len
  );
}

/**
 * nf_checksum for TCP/UDP/ICMPv6: true when the `len` bytes at `off` sum to 0xffff with
 * the pseudo header of the network header at `nhoff` (IPv4 or IPv6, see l3PseudoSum).
 */
export function nfL4ChecksumOk(
  data: Uint8Array,
  nhoff: number,
  off: number,
  len: number,
  proto: number,
): boolean {
  return csumPartial(data, off, len, l3PseudoSum(data, nhoff, len, proto)) === 0xffff;
}

/** Compute the 16-bit checksum value to store (for building test packets). */
export function csumFold(sum: number): number {
  return ~sum & 0xffff;
}
