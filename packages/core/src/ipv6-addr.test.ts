import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6ToString, ipv6WordsToString, parseIpv6 } from './ipv6-addr.js';

const bytes = (s: string) => {
  const b = parseIpv6(s);
  if (b === null) throw new Error(`not parsed: ${s}`);
  return b;
};

describe('ipv6ToString (inet_ntop, RFC 5952)', () => {
  // Expected texts: what glibc's inet_ntop prints (conntrack -E/-L use it).
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'], // the longer run wins
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FF02:0:0:0:0:1:FF00:2', 'ff02::1:ff00:2'],
    ['0:0:0:0:0:ffff:c612:1', '::ffff:198.18.0.1'], // IPv4-mapped
    ['::c612:1', '::198.18.0.1'], // IPv4-compatible
    ['0:0:0:0:1:ffff:c612:1', '::1:ffff:c612:1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      expect(ipv6ToString(bytes(input))).toBe(want);
    });
  }

  it('reads at an offset and from big-endian words (signed or unsigned)', () => {
    const b = new Uint8Array(20);
    b.set(bytes('2001:db8::2'), 4);
    expect(ipv6ToString(b, 4)).toBe('2001:db8::2');
    expect(ipv6WordsToString(0x20010db8 | 0, 0, 0, 2)).toBe('2001:db8::2');
    expect(ipv6WordsToString(0xfe800000 | 0, 0, 0x02000cff, 0xfe120001)).toBe('fe80::200:cff:fe12:1');
    expect(ipv6WordsToString(0xfe800000, 0, 0x02000cff, 0xfe120001)).toBe('fe80::200:cff:fe12:1');
  });

  it('round-trips any 16 bytes (format, then parse)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const s = ipv6ToString(b);
        expect(Array.from(bytes(s))).toEqual(Array.from(b));
        expect(s).toBe(s.toLowerCase());
        expect(s.split('::').length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  }, 10_000);
});

describe('parseIpv6', () => {
  it('rejects what is not an address', () => {
    for (const s of [
      '',
      ':',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::1',
      '198.18.0.1',
      '::1%eth0',
      '1:2:3:4:5:6:7::8',
      '::256.0.0.1',
      ':::',
    ]) {
      expect(parseIpv6(s), s).toBeNull();
    }
  });

  it('accepts full, compressed and dotted-tail forms', () => {
    expect(Array.from(bytes('::'))).toEqual(new Array(16).fill(0));
    expect(ipv6ToString(bytes('2001:DB8::0:1'))).toBe('2001:db8::1');
    expect(ipv6ToString(bytes('1:2:3:4:5:6:7::'))).toBe('1:2:3:4:5:6:7:0');
    expect(ipv6ToString(bytes('::ffff:198.18.0.2'))).toBe('::ffff:198.18.0.2');
  });
});
