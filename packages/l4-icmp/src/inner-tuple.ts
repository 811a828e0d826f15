import type { L3Proto, L4Proto, Netns, Skb, Tuple } from '@ctrack/core';
import { IP_CT_DIR_ORIGINAL, NFPROTO_IPV4 } from '@ctrack/core';

/** IP_OFFSET: the fragment offset bits of frag_off. */
const IP_OFFSET = 0x1fff;

/**
 * nf_ct_get_tuplepr for the packet an ICMP error quotes (docs/udp-icmp-generic.md §2.4
 * step 2): ipv4_get_l4proto on the inner header (20 bytes readable, not a non-first
 * fragment, ihl·4 within the packet), then the inner protocol's own pktToTuple from
 * the registry, so TCP, UDP, ICMP or any loaded tracker quotes correctly (generic:
 * addresses only). Reads stop at the outer packet's end. Fills `t`; false = no tuple.
 */
export function innerPktToTuple(net: Netns, skb: Skb, nhoff: number, t: Tuple): boolean {
  const end = skb.nhoff + skb.len;
  if (nhoff + 20 > end) return false;
  const d = skb.data;
  if ((((d[nhoff + 6]! << 8) | d[nhoff + 7]!) & IP_OFFSET) !== 0) return false;
  const dataoff = nhoff + ((d[nhoff]! & 0x0f) << 2);
  if (dataoff > end) return false;
  const protonum = d[nhoff + 9]!;
  const kernel = net.kernel;
  const l3: L3Proto = kernel.l3protos.find(NFPROTO_IPV4);
  const l4: L4Proto = kernel.l4protos.find(NFPROTO_IPV4, protonum);
  t.l3num = NFPROTO_IPV4;
  t.protonum = protonum;
  t.dir = IP_CT_DIR_ORIGINAL;
  return l3.pktToTuple(skb, nhoff, t) && l4.pktToTuple(skb, dataoff, t);
}

/** nf_ct_invert_tuple: the l3 and l4 inverses of `orig` into `t`; false when the l4 cannot invert. */
export function invertTuple(net: Netns, t: Tuple, orig: Tuple): boolean {
  const kernel = net.kernel;
  t.l3num = orig.l3num;
  t.protonum = orig.protonum;
  t.dir = orig.dir ^ 1;
  return (
    kernel.l3protos.find(orig.l3num).invertTuple(t, orig) &&
    kernel.l4protos.find(orig.l3num, orig.protonum).invertTuple(t, orig)
  );
}
