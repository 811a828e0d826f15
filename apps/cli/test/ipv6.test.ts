import { describe, expect, it } from 'vitest';
import { FAMILY_IPV4, FAMILY_IPV6 } from '../src/capture/linktype.js';
import { parseLocal } from '../src/replay/args.js';
import { PATH_FWD, PATH_IN, PATH_OUT, PathClassifier } from '../src/replay/paths.js';
import { formatTraceLine, packetFacts } from '../src/replay/trace-format.js';
import { UsageError } from '../src/usage-error.js';

/** An IPv6 header (payload length from the rest) followed by `rest`; next header `nh`. */
function ipv6(src: number, dst: number, nh: number, rest: number[]): Uint8Array {
  const b = new Uint8Array(40 + rest.length);
  b[0] = 0x60;
  b[4] = rest.length >> 8;
  b[5] = rest.length & 0xff;
  b[6] = nh;
  b[7] = 64;
  // 2001:db8::<src> and 2001:db8::<dst>
  b.set([0x20, 0x01, 0x0d, 0xb8], 8);
  b[23] = src;
  b.set([0x20, 0x01, 0x0d, 0xb8], 24);
  b[39] = dst;
  b.set(rest, 40);
  return b;
}
const udpHdr = (sport: number, dport: number) => [
  sport >> 8,
  sport & 0xff,
  dport >> 8,
  dport & 0xff,
  0,
  8,
  0,
  0,
];

describe('IPv6 in the CLI', () => {
  it('--local accepts IPv6 (any form) and IPv4; rejects the rest', () => {
    expect(Array.from(parseLocal('2001:DB8:0::2'))).toEqual([
      0x20,
      1,
      0x0d,
      0xb8,
      ...new Array(11).fill(0),
      2,
    ]);
    expect(Array.from(parseLocal('198.18.0.2'))).toEqual([198, 18, 0, 2]);
    expect(() => parseLocal('2001:db8::2%veth0')).toThrow(UsageError);
  });

  it('paths: to a local IPv6 address is input, from one output, else forward', () => {
    const p = new PathClassifier([parseLocal('2001:db8::2'), parseLocal('198.18.0.2')]);
    const inb = ipv6(1, 2, 17, udpHdr(40000, 5001));
    expect(p.classify(FAMILY_IPV6, inb, 0, inb.length)).toBe(PATH_IN);
    const out = ipv6(2, 1, 17, udpHdr(5001, 40000));
    expect(p.classify(FAMILY_IPV6, out, 0, out.length)).toBe(PATH_OUT);
    const fwd = ipv6(1, 3, 17, udpHdr(1, 2));
    expect(p.classify(FAMILY_IPV6, fwd, 0, fwd.length)).toBe(PATH_FWD);
    // the same bytes read as IPv4 are another family's addresses
    expect(p.classify(FAMILY_IPV4, inb, 0, inb.length)).toBe(PATH_FWD);
  });

  it('--trace reads IPv6 past hop-by-hop, routing and destination options; fragments', () => {
    const hbh = [43, 0, 1, 4, 0, 0, 0, 0]; // next: routing
    const rt = [60, 0, 0, 0, 0, 0, 0, 0]; // type 0, segleft 0; next: dest options
    const dst = [17, 0, 1, 4, 0, 0, 0, 0]; // next: UDP
    const p = ipv6(1, 2, 0, [...hbh, ...rt, ...dst, ...udpHdr(40150, 5001)]);
    const f = packetFacts(FAMILY_IPV6, p, 0, p.length)!;
    expect(f).toMatchObject({
      version: 6,
      src: '2001:db8::1',
      dst: '2001:db8::2',
      proto: 17,
      sport: 40150,
      dport: 5001,
    });
    const line = formatTraceLine({
      n: 1,
      tsUs: 1_796_398_886_774_247,
      path: 'in',
      facts: f,
      ct: 'NEW',
      state: '',
      verdict: 'ACCEPT',
      reason: null,
      id: 1,
    });
    expect(line).toBe('#1 1796398886.774247 in [2001:db8::1]:40150 > [2001:db8::2]:5001 udp NEW');
    // a fragment past the first has no transport header to show
    const frag = ipv6(1, 2, 44, [17, 0, 0x03, 0xe8, 0, 0, 0x30, 0x01, 0x46, 0x46]);
    expect(packetFacts(FAMILY_IPV6, frag, 0, frag.length)).toMatchObject({
      proto: 17,
      sport: null,
      dport: null,
    });
    const echo = ipv6(1, 2, 58, [128, 0, 0, 0, 0, 1, 0, 1]);
    const e = packetFacts(FAMILY_IPV6, echo, 0, echo.length)!;
    expect(e).toMatchObject({ protoName: 'icmpv6', icmpType: 128, icmpCode: 0 });
  });
});
