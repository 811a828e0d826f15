import { readU16, type Skb, type Tuple } from '@ctrack/core';

/**
 * The port part of a tuple, shared by UDP and UDP-Lite (and any "ports first" protocol):
 * nf_ct_get_tuple reads only the first 4 bytes of the transport header ("Actually only
 * need first 4 bytes to get ports"), so an ICMP error quoting 4 bytes still yields a
 * tuple (docs/udp-icmp-generic.md §2.4 step 2). The full 8-byte header is checked in packet().
 */
export function portsPktToTuple(skb: Skb, dataoff: number, t: Tuple): boolean {
  if (dataoff + 4 > skb.nhoff + skb.len) return false;
  const d = skb.data;
  t.sport = readU16(d, dataoff);
  t.dport = readU16(d, dataoff + 2);
  return true;
}

/** Inverse ports: swap source and destination. */
export function portsInvertTuple(t: Tuple, orig: Tuple): boolean {
  t.sport = orig.dport;
  t.dport = orig.sport;
  return true;
}

/** conntrack-tools' port text (docs/formats.md §1 field 7): "sport=%u dport=%u ". */
export function portsPrintTuple(t: Tuple): string {
  return `sport=${t.sport} dport=${t.dport} `;
}
