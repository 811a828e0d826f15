/**
 * struct nf_conntrack_tuple for IPv4: addresses are u32 numbers (host value of the
 * network-order address, so 198.18.0.1 is 0xc6120001), the per-protocol parts are u16.
 *
 * | field    | kernel          | meaning                                                     |
 * |----------|-----------------|-------------------------------------------------------------|
 * | src      | src.u3          | source address                                              |
 * | sport    | src.u.all       | TCP/UDP source port, ICMP echo id, generic 0                |
 * | dst      | dst.u3          | destination address                                         |
 * | dport    | dst.u.all       | TCP/UDP destination port, ICMP (type << 8) or code          |
 * | l3num    | src.l3num       | NFPROTO family                                              |
 * | protonum | dst.protonum    | IP protocol                                                 |
 * | dir      | dst.dir         | which tuplehash of its conn this is; never compared         |
 */
export class Tuple {
  src = 0;
  dst = 0;
  sport = 0;
  dport = 0;
  l3num = 0;
  protonum = 0;
  dir = 0;
}

/** nf_ct_tuple_equal: every field but `dir`. */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return (
    a.src === b.src &&
    a.dst === b.dst &&
    a.sport === b.sport &&
    a.dport === b.dport &&
    a.protonum === b.protonum &&
    a.l3num === b.l3num
  );
}

export function tupleCopy(to: Tuple, from: Tuple): Tuple {
  to.src = from.src;
  to.dst = from.dst;
  to.sport = from.sport;
  to.dport = from.dport;
  to.l3num = from.l3num;
  to.protonum = from.protonum;
  to.dir = from.dir;
  return to;
}

/** ICMP tuples keep type in the high byte of `dport` and code in the low byte. */
export function icmpType(t: Tuple): number {
  return t.dport >>> 8;
}
export function icmpCode(t: Tuple): number {
  return t.dport & 0xff;
}

/** Dotted quad of a u32 address. Not for the hot path. */
export function ipv4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Parse a dotted quad; returns -1 when it is not one. */
export function parseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v;
}
