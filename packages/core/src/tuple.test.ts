import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NFPROTO_IPV4, NFPROTO_IPV6 } from './constants.js';
import { jhash2, jhash2Tuple9FullInt, jhash2Tuple9Int } from './jhash.js';
import { ConntrackTable } from './table.js';
import { PROPERTY_TIMEOUT_MS } from './testing/limits.js';
import {
  ipv6ToString,
  parseIpv6,
  Tuple,
  tupleAddrToString,
  tupleCopy,
  tupleEqual,
  tupleInvertAddrs,
  tupleSetAddr6,
} from './tuple.js';

function t6(src: string, dst: string, sport = 1, dport = 2, proto = 17): Tuple {
  const t = new Tuple();
  t.l3num = NFPROTO_IPV6;
  t.protonum = proto;
  t.sport = sport;
  t.dport = dport;
  tupleSetAddr6(t, 0, parseIpv6(src)!);
  tupleSetAddr6(t, 1, parseIpv6(dst)!);
  return t;
}

describe('IPv6 tuples', () => {
  it('compares, copies and inverts all 128 bits of both addresses', () => {
    const a = t6('2001:db8::1', '2001:db8::2');
    const b = tupleCopy(new Tuple(), a);
    expect(tupleEqual(a, b)).toBe(true);
    expect(b.ip6).not.toBe(a.ip6); // the words are copied, not shared
    for (const [s, d] of [
      ['2001:db8::1:1', '2001:db8::2'],
      ['2001:db8:0:1::1', '2001:db8::2'],
      ['2001:db8::1', '2001:db8::3'],
      ['2001:db8::1', '2001:db9::2'],
    ] as const) {
      expect(tupleEqual(a, t6(s, d))).toBe(false);
    }
    const r = new Tuple();
    tupleInvertAddrs(r, a);
    expect(tupleAddrToString(r, 0)).toBe('2001:db8::2');
    expect(tupleAddrToString(r, 1)).toBe('2001:db8::1');
    expect(r.l3num).toBe(NFPROTO_IPV6);
  });

  it('an IPv4 tuple ignores a stale ip6 left on a reused tuple', () => {
    const scratch = t6('2001:db8::1', '2001:db8::2');
    scratch.l3num = NFPROTO_IPV4;
    scratch.src = 5;
    scratch.dst = 6;
    const v4 = new Tuple();
    tupleCopy(v4, scratch);
    expect(v4.ip6).toBe(null);
    expect(tupleEqual(scratch, v4)).toBe(true);
    const table = new ConntrackTable(512, 7);
    expect(table.rawHash(scratch, 0)).toBe(table.rawHash(v4, 0));
  });

  it('an IPv6 tuple never equals the IPv4 tuple with the same first words', () => {
    const a = t6('::1.2.3.4', '::5.6.7.8');
    const b = tupleCopy(new Tuple(), a);
    b.l3num = NFPROTO_IPV4;
    expect(tupleEqual(a, b)).toBe(false);
  });

  it('the table hash covers every address word', () => {
    const table = new ConntrackTable(512, 0x1234);
    const a = t6('2001:db8::1', '2001:db8::2');
    const seen = new Set<number>([table.rawHash(a, 0)]);
    for (const s of ['2001:db8::1:1', '2001:db8:1::1', '2001:db8:0:1::1', '2001:db9::1']) {
      seen.add(table.rawHash(t6(s, '2001:db8::2'), 0));
      seen.add(table.rawHash(t6('2001:db8::1', s), 0));
    }
    expect(seen.size).toBe(9);
  });

  it(
    'jhash2Tuple9FullInt is jhash2 over the nine tuple words',
    () => {
      const u32 = fc.integer({ min: 0, max: 0xffffffff });
      fc.assert(
        fc.property(fc.array(u32, { minLength: 10, maxLength: 10 }), (w) => {
          const [s0, s1, s2, s3, w4, d0, d1, d2, d3, iv] = w as [number, ...number[]];
          const want = jhash2([s0, s1!, s2!, s3!, w4!, d0!, d1!, d2!, d3!], 9, iv!);
          expect(jhash2Tuple9FullInt(s0, s1!, s2!, s3!, w4!, d0!, d1!, d2!, d3!, iv!) >>> 0).toBe(want);
          expect(jhash2Tuple9FullInt(s0, 0, 0, 0, w4!, d0!, 0, 0, 0, iv!)).toBe(
            jhash2Tuple9Int(s0, w4!, d0!, iv!),
          );
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('IPv6 text', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['::5', '::5'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::ffff:198.18.0.1', '::ffff:198.18.0.1'],
    ['::198.18.0.1', '::198.18.0.1'],
    ['ff02::1:ff00:2', 'ff02::1:ff00:2'],
  ])('%s prints as %s (inet_ntop)', (input, want) => {
    const w = parseIpv6(input)!;
    expect(ipv6ToString(w[0], w[1], w[2], w[3])).toBe(want);
  });

  it.each(['', '1::2::3', '2001:db8', '1:2:3:4:5:6:7:8:9', 'g::1', '::1.2.3', '12345::'])(
    '%s is not one',
    (s) => {
      expect(parseIpv6(s)).toBe(null);
    },
  );
});
