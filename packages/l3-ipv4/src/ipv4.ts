import { type L3Proto, NF_ACCEPT, NFPROTO_IPV4, readU32, type Skb, type Tuple } from '@ctrack/core';

/** IP_OFFSET: the fragment offset bits of frag_off. */
const IP_OFFSET = 0x1fff;

/**
 * The IPv4 l3proto (nf_conntrack_l3proto_ipv4 / ipv4_get_l4proto): addresses into the
 * tuple, their inverse, and the transport header. Reads the header in place.
 */
export const ipv4L3Proto: L3Proto = {
  l3proto: NFPROTO_IPV4,
  name: 'ipv4',

  pktToTuple(skb: Skb, nhoff: number, t: Tuple): boolean {
    if (skb.len < 20) return false;
    const d = skb.data;
    t.src = readU32(d, nhoff + 12) | 0; // int32 (see Tuple)
    t.dst = readU32(d, nhoff + 16) | 0;
    t.l3num = NFPROTO_IPV4;
    return true;
  },

  invertTuple(t: Tuple, orig: Tuple): boolean {
    t.src = orig.dst;
    t.dst = orig.src;
    t.l3num = orig.l3num;
    return true;
  },

  /**
   * Header readable, not a non-first fragment, header within the packet. Sets
   * skb.protonum and skb.thoff; -1 (invalid, accept) otherwise.
   */
  getL4proto(skb: Skb, nhoff: number): number {
    if (skb.len < 20 || nhoff + 20 > skb.data.length) return -1;
    const d = skb.data;
    // Conntrack sees whole datagrams after defrag; a non-first fragment cannot be tracked.
    if ((((d[nhoff + 6]! << 8) | d[nhoff + 7]!) & IP_OFFSET) !== 0) return -1;
    const ihl = (d[nhoff]! & 0x0f) << 2;
    if (ihl > skb.len) return -1;
    skb.protonum = d[nhoff + 9]!;
    skb.thoff = nhoff + ihl;
    return NF_ACCEPT;
  },
};
