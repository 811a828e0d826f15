/**
 * IPv6 addresses as text, the way conntrack-tools prints them (it calls inet_ntop):
 * RFC 5952 compression — lowercase hex without leading zeros, the longest run of two or
 * more zero groups (the first one on a tie) written `::`, a single zero group kept —
 * plus inet_ntop's dotted tail for IPv4-compatible (`::a.b.c.d`) and IPv4-mapped
 * (`::ffff:a.b.c.d`) addresses. Not for the hot path (builds strings).
 *
 * An address is its four big-endian 32-bit words (w0 = the first four bytes), int32 as a
 * tuple stores them (`| 0`) or u32: `ipv6ToString` takes either, `parseIpv6` returns int32.
 */

/** Text of the address whose big-endian 32-bit words are w0..w3 (int32 or u32 form). */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  const w: number[] = [];
  for (const x of [w0, w1, w2, w3]) w.push((x >>> 16) & 0xffff, x & 0xffff);
  return format(w);
}

function format(w: number[]): string {
  // The longest run of zero groups, first on a tie; a run of one is not compressed.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      return `${s}${w[6]! >>> 8}.${w[6]! & 0xff}.${w[7]! >>> 8}.${w[7]! & 0xff}`;
    }
    s += w[i]!.toString(16);
  }
  if (best >= 0 && best + bestLen === 8) s += ':';
  return s;
}

/**
 * Parse IPv6 text (full, `::`-compressed, any hex case, optional dotted IPv4 tail) to
 * its four words as int32 (tuple form); null when it is not one (zone ids such as
 * `%eth0` are not addresses).
 */
export function parseIpv6(s: string): [number, number, number, number] | null {
  if (s.length < 2 || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const q = g.split('.');
        if (q.length !== 4 || !q.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return null;
        const n = q.map(Number);
        out.push((n[0]! << 8) | n[1]!, (n[2]! << 8) | n[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(Number.parseInt(g, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const n = head.length + tail.length;
  if (halves.length === 2 ? n > 7 : n !== 8) return null;
  const g = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  const w = (i: number) => (g[i]! << 16) | g[i + 1]! | 0;
  return [w(0), w(2), w(4), w(6)];
}
