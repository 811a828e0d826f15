import { type HookState, NF_INET_PRE_ROUTING, nfL4ChecksumOk, readU16, type Skb } from '@ctrack/core';

/**
 * udp_error (docs/udp-icmp-generic.md §1.1), run by packet() before any state change.
 * Returns true when the packet is invalid; the reason is in skb.invalidReason, as
 * nf_l4proto_log_invalid would log it.
 */
export function udpError(skb: Skb, dataoff: number, state: HookState): boolean {
  const udplen = skb.nhoff + skb.len - dataoff;
  // 1. The 8-byte header must be there.
  if (udplen < 8) {
    skb.invalidReason = 'short packet';
    return true;
  }
  const d = skb.data;
  // 2. 8 ≤ length field ≤ bytes present (trailing bytes beyond it are fine).
  const len = readU16(d, dataoff + 4);
  if (len > udplen || len < 8) {
    skb.invalidReason = 'truncated/malformed packet';
    return true;
  }
  // 3. Checksum 0: the sender did not compute one.
  if (readU16(d, dataoff + 6) === 0) return false;
  // 4. Only received packets are verified; locally generated ones are trusted.
  if (
    state.hook === NF_INET_PRE_ROUTING &&
    state.net.checksum.value !== 0 &&
    !udpChecksumOk(skb, dataoff, udplen, 17)
  ) {
    skb.invalidReason = 'bad checksum';
    return true;
  }
  return false;
}

/**
 * nf_checksum for UDP (IPv4 or IPv6 pseudo header, by the packet's family): the pseudo
 * header carries every byte after the network headers (skb->len - dataoff, not the UDP
 * length field) and the sum runs over all of them.
 */
export function udpChecksumOk(skb: Skb, dataoff: number, l4len: number, proto: number): boolean {
  return nfL4ChecksumOk(skb.data, skb.nhoff, dataoff, l4len, proto);
}
