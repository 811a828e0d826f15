/**
 * struct nf_conntrack_tuple for IPv4.
 *
 * Representation (plugin authors: read this). Every field is a small integer, so a
 * tuple stores no heap numbers (Node 20 x64 has no pointer compression: a number
 * outside the signed 31-bit Smi range would be a separate 16-byte heap object):
 *
 * - `src` and `dst` are the address as a **signed int32**: the network-order address
 *   read as a big-endian u32, then `| 0` (198.18.0.1 is 0xc6120001 | 0 = -971898879).
 *   Write them with `| 0` (`readU32(d, off) | 0`), compare them with `===` against other
 *   tuple fields; convert with `>>> 0` only where an unsigned value is printed or compared
 *   with an unsigned input (`parseIpv4` returns the unsigned value). `ipv4ToString`
 *   accepts either form.
 * - `sport`/`dport` are u16.
 * - `l3num`, `protonum` and `dir` are accessors over one packed field `meta`
 *   (l3num | protonum << 8 | dir << 16); read and write them as plain fields.
 *
 * | field    | kernel          | meaning                                                     |
 * |----------|-----------------|-------------------------------------------------------------|
 * | src      | src.u3          | source address (int32)                                      |
 * | sport    | src.u.all       | TCP/UDP source port, ICMP echo id, generic 0                |
 * | dst      | dst.u3          | destination address (int32)                                 |
 * | dport    | dst.u.all       | TCP/UDP destination port, ICMP (type << 8) or code          |
 * | l3num    | src.l3num       | NFPROTO family (u8)                                         |
 * | protonum | dst.protonum    | IP protocol (u8)                                            |
 * | dir      | dst.dir         | which tuplehash of its conn this is; never compared         |
 */
export class Tuple {
  src = 0;
  dst = 0;
  sport = 0;
  dport = 0;
  /** l3num | protonum << 8 | dir << 16 (see the accessors). */
  meta = 0;

  get l3num(): number {
    return this.meta & 0xff;
  }
  set l3num(v: number) {
    this.meta = (this.meta & ~0xff) | (v & 0xff);
  }
  get protonum(): number {
    return (this.meta >> 8) & 0xff;
  }
  set protonum(v: number) {
    this.meta = (this.meta & ~0xff00) | ((v & 0xff) << 8);
  }
  get dir(): number {
    return this.meta >> 16;
  }
  set dir(v: number) {
    this.meta = (this.meta & 0xffff) | ((v & 1) << 16);
  }
}

/** nf_ct_tuple_equal: every field but `dir`. */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return (
    a.src === b.src &&
    a.dst === b.dst &&
    a.sport === b.sport &&
    a.dport === b.dport &&
    ((a.meta ^ b.meta) & 0xffff) === 0 // l3num and protonum
  );
}

export function tupleCopy(to: Tuple, from: Tuple): Tuple {
  to.src = from.src;
  to.dst = from.dst;
  to.sport = from.sport;
  to.dport = from.dport;
  to.meta = from.meta; // l3num, protonum, dir
  return to;
}

/** ICMP tuples keep type in the high byte of `dport` and code in the low byte. */
export function icmpType(t: Tuple): number {
  return t.dport >>> 8;
}
export function icmpCode(t: Tuple): number {
  return t.dport & 0xff;
}

/** Dotted quad of an address (int32 or u32 form). Not for the hot path. */
export function ipv4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Parse a dotted quad to its unsigned u32 value (`| 0` it for a tuple); -1 when it is not one. */
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
