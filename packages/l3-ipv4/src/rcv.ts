import { ipHeaderChecksumOk, type Skb } from '@ctrack/core';

/**
 * ip_rcv_core: the checks a received packet passes before PRE_ROUTING (docs/core.md §7 step
 * 0). A packet failing them never reaches conntrack: no verdict, no counter. Trims
 * link-layer padding (len = total length). Returns null when fine, else the MIB reason.
 */
export function ipv4RcvCheck(skb: Skb): 'InHdrErrors' | 'InTruncatedPkts' | null {
  const d = skb.data;
  const o = skb.nhoff;
  if (skb.len < 20 || o + 20 > d.length) return 'InHdrErrors';
  const ihl = (d[o]! & 0x0f) << 2;
  if (d[o]! >>> 4 !== 4 || ihl < 20) return 'InHdrErrors';
  if (ihl > skb.len) return 'InHdrErrors';
  if (!ipHeaderChecksumOk(d, o, ihl)) return 'InHdrErrors';
  const tot = (d[o + 2]! << 8) | d[o + 3]!;
  if (tot > skb.len) return 'InTruncatedPkts';
  if (tot < ihl) return 'InHdrErrors';
  skb.len = tot;
  return null;
}
