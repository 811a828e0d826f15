import { NFPROTO_IPV6 } from './constants.js';

/**
 * struct nf_conntrack_tuple, for both families (IPv4 and IPv6).
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
 * - IPv6 (`l3num` 10): `src`/`dst` hold the address's first 32-bit word (int32, as
 *   above) and `ip6` its other three words of each address (`Tuple6`). `ip6` is read
 *   only when `l3num` is NFPROTO_IPV6: an IPv4 tuple leaves it null (its words 1..3 are
 *   zero, as the kernel's u3.all), so an IPv4 conn pays one pointer per tuplehash and
 *   nothing else. A reused scratch tuple may keep a stale `ip6` while holding IPv4.
 * - `sport`/`dport` are u16.
 * - `l3num`, `protonum` and `dir` are accessors over one packed field `meta`
 *   (l3num | protonum << 8 | dir << 16); read and write them as plain fields.
 *
 * | field    | kernel          | meaning                                                     |
 * |----------|-----------------|-------------------------------------------------------------|
 * | src      | src.u3.all[0]   | source address (int32); IPv6: its first word                |
 * | sport    | src.u.all       | TCP/UDP source port, ICMP echo id, generic 0                |
 * | dst      | dst.u3.all[0]   | destination address (int32); IPv6: its first word           |
 * | ip6      | u3.all[1..3]    | IPv6 only: the other words of both addresses (Tuple6)       |
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
  /** IPv6 only: words 1..3 of `src` and `dst` (see above); null for IPv4. */
  ip6: Tuple6 | null = null;

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

/**
 * The IPv6 address words beyond the first (u3.all[1..3]) of a tuple's source and
 * destination, each an int32 like `Tuple.src`.
 */
export class Tuple6 {
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
}

/** The tuple's Tuple6, made on first use (a conn's at creation, a scratch tuple's once). */
export function tuple6(t: Tuple): Tuple6 {
  let x = t.ip6;
  if (x === null) {
    x = new Tuple6();
    t.ip6 = x;
  }
  return x;
}

/** True when `a` and `b` (both IPv6 tuples) have the same address words 1..3. */
export function tuple6Equal(a: Tuple6 | null, b: Tuple6 | null): boolean {
  if (a === null || b === null) return false;
  return (
    a.src1 === b.src1 &&
    a.src2 === b.src2 &&
    a.src3 === b.src3 &&
    a.dst1 === b.dst1 &&
    a.dst2 === b.dst2 &&
    a.dst3 === b.dst3
  );
}

/**
 * nf_ct_tuple_equal: every field but `dir`, over all 128 bits of an IPv6 address. An
 * IPv4 tuple compares five numbers (the family test is one more).
 */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return (
    a.src === b.src &&
    a.dst === b.dst &&
    a.sport === b.sport &&
    a.dport === b.dport &&
    ((a.meta ^ b.meta) & 0xffff) === 0 && // l3num and protonum
    ((a.meta & 0xff) !== NFPROTO_IPV6 || tuple6Equal(a.ip6, b.ip6))
  );
}

export function tupleCopy(to: Tuple, from: Tuple): Tuple {
  to.src = from.src;
  to.dst = from.dst;
  to.sport = from.sport;
  to.dport = from.dport;
  to.meta = from.meta; // l3num, protonum, dir
  if ((from.meta & 0xff) === NFPROTO_IPV6) {
    const f = from.ip6!;
    const x = tuple6(to);
    x.src1 = f.src1;
    x.src2 = f.src2;
    x.src3 = f.src3;
    x.dst1 = f.dst1;
    x.dst2 = f.dst2;
    x.dst3 = f.dst3;
  }
  return to;
}

/**
 * The address part of an l3 invert_tuple for either family: `t`'s source is `orig`'s
 * destination and the reverse, all words (l3num copied too).
 */
export function tupleInvertAddrs(t: Tuple, orig: Tuple): void {
  t.src = orig.dst;
  t.dst = orig.src;
  t.l3num = orig.l3num;
  if ((orig.meta & 0xff) === NFPROTO_IPV6) {
    const o = orig.ip6!;
    const x = tuple6(t);
    x.src1 = o.dst1;
    x.src2 = o.dst2;
    x.src3 = o.dst3;
    x.dst1 = o.src1;
    x.dst2 = o.src2;
    x.dst3 = o.src3;
  }
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

/** The four int32 words of a tuple's source (`dir` 0) or destination (`dir` 1) address. */
function addrWords(t: Tuple, which: 0 | 1, out: number[]): number[] {
  const x = t.ip6;
  out[0] = which === 0 ? t.src : t.dst;
  out[1] = x === null ? 0 : which === 0 ? x.src1 : x.dst1;
  out[2] = x === null ? 0 : which === 0 ? x.src2 : x.dst2;
  out[3] = x === null ? 0 : which === 0 ? x.src3 : x.dst3;
  return out;
}

/**
 * An IPv6 address from its four 32-bit words (int32 or u32) as inet_ntop(3) writes it,
 * which is what conntrack-tools prints: lowercase hex, the first longest run of two or
 * more zero groups as `::`, and `::ffff:a.b.c.d` / `::a.b.c.d` forms for IPv4-mapped and
 * IPv4-compatible addresses. Not for the hot path.
 */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  const g: number[] = [];
  for (const w of [w0, w1, w2, w3]) g.push((w >>> 16) & 0xffff, w & 0xffff);
  // inet_ntop's IPv4 tails: ::ffff:a.b.c.d, and ::a.b.c.d when only the last two
  // groups are set and the first of them is not zero (so ::1 stays ::1).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
    if (g[5] === 0xffff) return `::ffff:${ipv4ToString(w3)}`;
    if (g[5] === 0 && g[6] !== 0) return `::${ipv4ToString(w3)}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const head = g
    .slice(0, best)
    .map((x) => x.toString(16))
    .join(':');
  const tail = g
    .slice(best + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${head}::${tail}`;
}

/**
 * Parse an IPv6 address (full, `::`-compressed, or with an IPv4 tail) to its four words
 * as int32 (tuple form); null when it is not one.
 */
export function parseIpv6(s: string): [number, number, number, number] | null {
  let text = s;
  const groups: number[] = [];
  const dot = text.lastIndexOf('.');
  let v4tail: number | null = null;
  if (dot !== -1) {
    const colon = text.lastIndexOf(':');
    if (colon === -1) return null;
    const v4 = parseIpv4(text.slice(colon + 1));
    if (v4 < 0) return null;
    v4tail = v4;
    text = `${text.slice(0, colon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const h of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return null;
      out.push(Number.parseInt(h, 16));
    }
    return out;
  };
  if (dbl === -1) {
    const all = parse(text);
    if (all === null || all.length !== 8) return null;
    groups.push(...all);
  } else {
    const head = parse(text.slice(0, dbl));
    const tail = parse(text.slice(dbl + 2));
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  if (v4tail !== null) {
    groups[6] = v4tail >>> 16;
    groups[7] = v4tail & 0xffff;
  }
  const w = (i: number) => (groups[i]! << 16) | groups[i + 1]! | 0;
  return [w(0), w(2), w(4), w(6)];
}

/** A tuple's source (`which` 0) or destination (1) address as text, for either family. */
export function tupleAddrToString(t: Tuple, which: 0 | 1): string {
  if ((t.meta & 0xff) !== NFPROTO_IPV6) return ipv4ToString(which === 0 ? t.src : t.dst);
  const w = addrWords(t, which, [0, 0, 0, 0]);
  return ipv6ToString(w[0]!, w[1]!, w[2]!, w[3]!);
}

/** Set a tuple's source (`which` 0) or destination (1) IPv6 address from four words. */
export function tupleSetAddr6(t: Tuple, which: 0 | 1, w: readonly number[]): void {
  const x = tuple6(t);
  if (which === 0) {
    t.src = w[0]! | 0;
    x.src1 = w[1]! | 0;
    x.src2 = w[2]! | 0;
    x.src3 = w[3]! | 0;
  } else {
    t.dst = w[0]! | 0;
    x.dst1 = w[1]! | 0;
    x.dst2 = w[2]! | 0;
    x.dst3 = w[3]! | 0;
  }
}
