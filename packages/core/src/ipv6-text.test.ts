import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_TIMEOUT_MS } from './testing/limits.js';
import { ipv6ToString, parseIpv6 } from './tuple.js';

const words = (s: string): [number, number, number, number] => {
  const w = parseIpv6(s);
  if (w === null) throw new Error(`not parsed: ${s}`);
  return w;
};
const text = (s: string) => ipv6ToString(...words(s));
const fromBytes = (b: Uint8Array) => {
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return ipv6ToString(v.getInt32(0), v.getInt32(4), v.getInt32(8), v.getInt32(12));
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
      expect(text(input)).toBe(want);
    });
  }

  it('takes the words signed (tuple form) or unsigned; parses to int32 words', () => {
    expect(ipv6ToString(0x20010db8 | 0, 0, 0, 2)).toBe('2001:db8::2');
    expect(ipv6ToString(0xfe800000 | 0, 0, 0x02000cff, 0xfe120001 | 0)).toBe('fe80::200:cff:fe12:1');
    expect(ipv6ToString(0xfe800000, 0, 0x02000cff, 0xfe120001)).toBe('fe80::200:cff:fe12:1');
    expect(words('fe80::200:cff:fe12:1')).toEqual([0xfe800000 | 0, 0, 0x02000cff, 0xfe120001 | 0]);
  });

  it(
    'round-trips any 16 bytes (format, then parse)',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
          const s = fromBytes(b);
          const v = new DataView(b.buffer, b.byteOffset, 16);
          expect(words(s)).toEqual([v.getInt32(0), v.getInt32(4), v.getInt32(8), v.getInt32(12)]);
          expect(s).toBe(s.toLowerCase());
          expect(s.split('::').length).toBeLessThanOrEqual(2);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
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
    expect(words('::')).toEqual([0, 0, 0, 0]);
    expect(text('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(text('1:2:3:4:5:6:7::')).toBe('1:2:3:4:5:6:7:0');
    expect(text('::ffff:198.18.0.2')).toBe('::ffff:198.18.0.2');
  });
});
