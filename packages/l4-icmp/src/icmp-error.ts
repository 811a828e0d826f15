import {
  csumPartial,
  type HookState,
  ipv4ToString,
  type Netns,
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  nfConntrackFind,
  nfCtSet,
  relatedCtinfo,
  type Skb,
  Tuple,
} from '@ctrack/core';
import { innerPktToTuple, invertTuple } from './inner-tuple.js';

/** NR_ICMP_TYPES: 18 is the highest known ICMP type; above it is "invalid icmp type". */
export const NR_ICMP_TYPES = 18;

/** icmp_is_err: dest unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter problem 12. */
function icmpIsErr(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Scratch tuples of the error path (synchronous, never escape it). */
const origTuple = new Tuple();
const innerTuple = new Tuple();

/**
 * nf_conntrack_icmpv4_error (docs/udp-icmp-generic.md §2.2 steps 1–4): header, checksum at
 * PRE_ROUTING, type range; error types go to the RELATED lookup. Returns NF_ACCEPT to
 * go on (queries, or an error attached to its conn) or -NF_ACCEPT: the core counts
 * `error` and the packet passes INVALID.
 */
export function icmpError(skb: Skb, dataoff: number, state: HookState): number {
  const net = state.net;
  const end = skb.nhoff + skb.len;
  if (dataoff + 8 > end) {
    skb.invalidReason = 'short packet';
    return -NF_ACCEPT;
  }
  // nf_ip_checksum over the ICMP message (no pseudo header).
  if (
    net.checksum.value !== 0 &&
    state.hook === NF_INET_PRE_ROUTING &&
    csumPartial(skb.data, dataoff, end - dataoff) !== 0xffff
  ) {
    skb.invalidReason = 'bad hw icmp checksum';
    return -NF_ACCEPT;
  }
  const type = skb.data[dataoff]!;
  if (type > NR_ICMP_TYPES) {
    skb.invalidReason = 'invalid icmp type';
    return -NF_ACCEPT;
  }
  if (!icmpIsErr(type)) return NF_ACCEPT;
  const outerDaddr = skb.view.getUint32(skb.nhoff + 16) | 0; // int32, as tuples store it
  return inetError(net, skb, dataoff + 8, outerDaddr);
}

/**
 * nf_conntrack_inet_error (§2.4): the quoted packet's tuple, inverted, must be a conn
 * whose tuple in the hit direction has the outer destination as its destination; the
 * conn is attached RELATED (hit ORIGINAL) or RELATED_REPLY (hit REPLY). Nothing else
 * happens: no packet(), no refresh, no accounting, no SEEN_REPLY, no event.
 */
function inetError(net: Netns, skb: Skb, innerNhoff: number, outerDaddr: number): number {
  if (!innerPktToTuple(net, skb, innerNhoff, origTuple)) return -NF_ACCEPT;
  if (!invertTuple(net, innerTuple, origTuple)) return -NF_ACCEPT;
  const h = nfConntrackFind(net, innerTuple, skb.zone);
  if (h === null) return -NF_ACCEPT;
  const ctDaddr = (h.dir === 0 ? h.ct.orig : h.ct.reply).dst;
  if (outerDaddr !== ctDaddr) {
    // Rare and invalid: the kernel logs both addresses.
    skb.invalidReason = `outer daddr ${ipv4ToString(outerDaddr)} != inner ${ipv4ToString(ctDaddr)}`;
    return -NF_ACCEPT;
  }
  nfCtSet(skb, h.ct, relatedCtinfo(h));
  return NF_ACCEPT;
}
