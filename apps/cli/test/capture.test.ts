import { PROPERTY_TIMEOUT_MS, tcpPacket, udpPacket } from '@ctrack/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import {
  DLT_RAW_12,
  DLT_RAW_14,
  FAMILY_IPV4,
  FAMILY_IPV6,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LinkDecoder,
  NOT_IP,
  SHORT_FRAME,
} from '../src/capture/linktype.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { CaptureReader } from '../src/capture/reader.js';
import type { CaptureRecord } from '../src/capture/record.js';
import { PcapWriter } from '../src/capture/writer.js';
import { demoCapture } from './support/demo.js';

const T = 1_795_250_780_123_456;
const ip = tcpPacket('198.18.0.1', '198.18.0.2', { sport: 40001, dport: 80, flags: 'S', seq: 1 });
const ip2 = udpPacket('198.18.0.2', '198.18.0.1', { sport: 53, dport: 40002, payload: new Uint8Array(5) });

interface Rec {
  tsUs: number;
  linktype: number;
  ifIndex: number;
  caplen: number;
  origlen: number;
  index: number;
  fileOffset: number;
  hex: string;
}

const copy = (r: CaptureRecord): Rec => ({
  tsUs: r.tsUs,
  linktype: r.linktype,
  ifIndex: r.ifIndex,
  caplen: r.caplen,
  origlen: r.origlen,
  index: r.index,
  fileOffset: r.fileOffset,
  hex: Buffer.from(r.data.subarray(r.offset, r.offset + r.caplen)).toString('hex'),
});

/** Parse `bytes` fed in the given chunk sizes (cycled); returns the records. */
function parse(bytes: Uint8Array, sizes: number[] = [bytes.length]): Rec[] {
  const out: Rec[] = [];
  const r = new CaptureReader((rec) => out.push(copy(rec)), 'test');
  let o = 0;
  for (let i = 0; o < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    // A fresh copy per chunk, so nothing can lean on one shared buffer.
    r.push(bytes.slice(o, o + n));
    o += n;
  }
  r.end();
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nano of [false, true]) {
      it(`${nano ? 'ns' : 'µs'} magic, ${littleEndian ? 'little' : 'big'}-endian`, () => {
        const w = new PcapWriter({ littleEndian, nano, linktype: LINKTYPE_RAW });
        w.add(ip, T, { subUsNs: 999 });
        w.add(ip2, T + 1, { origlen: 1500 });
        const bytes = w.toBytes();
        const magic = hex(bytes.subarray(0, 4));
        expect(magic).toBe(
          {
            'true,false': 'd4c3b2a1',
            'true,true': '4d3cb2a1',
            'false,false': 'a1b2c3d4',
            'false,true': 'a1b23c4d',
          }[`${littleEndian},${nano}`],
        );
        const recs = parse(bytes);
        expect(recs.map((r) => r.tsUs)).toEqual([T, T + 1]); // ns floored to µs
        expect(recs.map((r) => r.hex)).toEqual([hex(ip), hex(ip2)]);
        expect(recs[1]!.origlen).toBe(1500);
        expect(recs.map((r) => [r.index, r.fileOffset])).toEqual([
          [1, 24],
          [2, 24 + 16 + ip.length],
        ]);
        expect(recs.every((r) => r.linktype === LINKTYPE_RAW)).toBe(true);
      });
    }
  }

  it('keeps the link type when the FCS bits of the header field are set', () => {
    const bytes = new PcapWriter({ linktype: LINKTYPE_ETHERNET | 0x10000000 | (4 << 29) })
      .add(encapsulate(1, ip), T)
      .toBytes();
    expect(parse(bytes)[0]!.linktype).toBe(LINKTYPE_ETHERNET);
  });
});

describe('link types', () => {
  const cases: Array<[string, number, Uint8Array, number]> = [
    ['Ethernet', LINKTYPE_ETHERNET, encapsulate(LINKTYPE_ETHERNET, ip), 14],
    ['802.1Q', LINKTYPE_ETHERNET, encapsulate(LINKTYPE_ETHERNET, ip, { vlans: [[0x8100, 10]] }), 18],
    [
      '802.1ad + 802.1Q stacked',
      LINKTYPE_ETHERNET,
      encapsulate(LINKTYPE_ETHERNET, ip, {
        vlans: [
          [0x88a8, 100],
          [0x8100, 10],
        ],
      }),
      22,
    ],
    ['Linux cooked v1', LINKTYPE_LINUX_SLL, encapsulate(LINKTYPE_LINUX_SLL, ip), 16],
    ['Linux cooked v2', LINKTYPE_LINUX_SLL2, encapsulate(LINKTYPE_LINUX_SLL2, ip), 20],
    [
      'Linux cooked v2 + VLAN',
      LINKTYPE_LINUX_SLL2,
      encapsulate(LINKTYPE_LINUX_SLL2, ip, { vlans: [[0x8100, 7]] }),
      24,
    ],
    [
      'BSD NULL, little-endian family',
      LINKTYPE_NULL,
      encapsulate(LINKTYPE_NULL, ip, { littleEndian: true }),
      4,
    ],
    [
      'BSD NULL, big-endian family',
      LINKTYPE_NULL,
      encapsulate(LINKTYPE_NULL, ip, { littleEndian: false }),
      4,
    ],
    ['OpenBSD LOOP', LINKTYPE_LOOP, encapsulate(LINKTYPE_LOOP, ip), 4],
    ['LINKTYPE_RAW', LINKTYPE_RAW, ip, 0],
    ['LINKTYPE_IPV4', LINKTYPE_IPV4, ip, 0],
    ['DLT_RAW 12', DLT_RAW_12, ip, 0],
    ['DLT_RAW 14', DLT_RAW_14, ip, 0],
  ];
  const link = new LinkDecoder();
  for (const [name, lt, frame, want] of cases) {
    it(`${name}: IPv4 at ${want}, read back from a pcap`, () => {
      const [rec] = parse(new PcapWriter({ linktype: lt }).add(frame, T).toBytes());
      const data = Buffer.from(rec!.hex, 'hex');
      expect(link.decode(rec!.linktype, data, 0, data.length)).toBe(FAMILY_IPV4);
      expect(link.nhoff).toBe(want);
      expect(data[want]).toBe(0x45);
    });
  }

  const v6 = new Uint8Array(40);
  v6[0] = 0x60;
  const v6cases: [string, number, Uint8Array, number][] = [
    ['Ethernet', LINKTYPE_ETHERNET, encapsulate(LINKTYPE_ETHERNET, v6, { ethertype: 0x86dd }), 14],
    [
      'Ethernet + 802.1ad + 802.1Q',
      LINKTYPE_ETHERNET,
      encapsulate(LINKTYPE_ETHERNET, v6, {
        ethertype: 0x86dd,
        vlans: [
          [0x88a8, 10],
          [0x8100, 20],
        ],
      }),
      22,
    ],
    ['Linux cooked v1', LINKTYPE_LINUX_SLL, encapsulate(LINKTYPE_LINUX_SLL, v6, { ethertype: 0x86dd }), 16],
    ['Linux cooked v2', LINKTYPE_LINUX_SLL2, encapsulate(LINKTYPE_LINUX_SLL2, v6, { ethertype: 0x86dd }), 20],
    [
      'Linux cooked v2 + VLAN',
      LINKTYPE_LINUX_SLL2,
      encapsulate(LINKTYPE_LINUX_SLL2, v6, { ethertype: 0x86dd, vlans: [[0x8100, 7]] }),
      24,
    ],
    ...[10, 24, 28, 30].flatMap((family): [string, number, Uint8Array, number][] => [
      [`BSD NULL AF_INET6=${family} LE`, LINKTYPE_NULL, encapsulate(LINKTYPE_NULL, v6, { family }), 4],
      [
        `BSD NULL AF_INET6=${family} BE`,
        LINKTYPE_NULL,
        encapsulate(LINKTYPE_NULL, v6, { family, littleEndian: false }),
        4,
      ],
      [`OpenBSD LOOP AF_INET6=${family}`, LINKTYPE_LOOP, encapsulate(LINKTYPE_LOOP, v6, { family }), 4],
    ]),
    ['LINKTYPE_RAW (version nibble 6)', LINKTYPE_RAW, v6, 0],
    ['DLT_RAW 12', DLT_RAW_12, v6, 0],
    ['DLT_RAW 14', DLT_RAW_14, v6, 0],
    ['LINKTYPE_IPV6', LINKTYPE_IPV6, v6, 0],
  ];
  for (const [name, lt, frame, want] of v6cases) {
    it(`${name}: IPv6 at ${want}, read back from a pcap`, () => {
      const [rec] = parse(new PcapWriter({ linktype: lt }).add(frame, T).toBytes());
      const data = Buffer.from(rec!.hex, 'hex');
      expect(link.decode(rec!.linktype, data, 0, data.length)).toBe(FAMILY_IPV6);
      expect(link.nhoff).toBe(want);
      expect(data[want]).toBe(0x60);
    });
  }

  it('non-IP frames are NOT_IP, frames shorter than their link header SHORT_FRAME', () => {
    const v5 = Uint8Array.from([0x50, 0, 0, 0]);
    expect(link.decode(LINKTYPE_RAW, v5, 0, 4)).toBe(NOT_IP);
    const arp = encapsulate(LINKTYPE_ETHERNET, ip, { ethertype: 0x0806 });
    expect(link.decode(LINKTYPE_ETHERNET, arp, 0, arp.length)).toBe(NOT_IP);
    expect(link.decode(LINKTYPE_NULL, encapsulate(LINKTYPE_NULL, v6, { family: 7 }), 0, 44)).toBe(NOT_IP);
    // LOOP is always network order: a little-endian 2 is not AF_INET there.
    expect(link.decode(LINKTYPE_LOOP, Uint8Array.from([2, 0, 0, 0, 0x45]), 0, 5)).toBe(NOT_IP);
    expect(link.decode(LINKTYPE_ETHERNET, new Uint8Array(13), 0, 13)).toBe(SHORT_FRAME);
    expect(link.decode(LINKTYPE_LINUX_SLL2, new Uint8Array(19), 0, 19)).toBe(SHORT_FRAME);
  });
});

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    it(`${littleEndian ? 'little' : 'big'}-endian: interfaces, if_tsresol, EPB, SPB, unknown blocks`, () => {
      const w = new PcapngWriter({ littleEndian });
      w.interface({ linktype: LINKTYPE_ETHERNET, snaplen: 65535 }); // µs default
      w.block(0x0bad, new Uint8Array([1, 2, 3])); // unknown: skipped
      w.interface({ linktype: LINKTYPE_RAW, tsresol: 9 }); // ns
      w.interface({ linktype: LINKTYPE_LINUX_SLL, tsresol: 0x80 | 20 }); // 2^-20 s
      w.packet(0, T, encapsulate(LINKTYPE_ETHERNET, ip));
      w.epb(1, BigInt(T) * 1000n + 999n, ip2);
      w.epb(2, (BigInt(T) * 1048576n) / 1000000n, encapsulate(LINKTYPE_LINUX_SLL, ip));
      w.block(5, new Uint8Array(8)); // interface statistics: skipped
      w.spb(encapsulate(LINKTYPE_ETHERNET, ip2));
      const recs = parse(w.toBytes());
      expect(recs.map((r) => [r.ifIndex, r.linktype])).toEqual([
        [0, LINKTYPE_ETHERNET],
        [1, LINKTYPE_RAW],
        [2, LINKTYPE_LINUX_SLL],
        [0, LINKTYPE_ETHERNET],
      ]);
      expect(recs[0]!.tsUs).toBe(T);
      expect(recs[1]!.tsUs).toBe(T);
      // 2^-20 s units lose up to a microsecond each way; floored.
      expect(Math.abs(recs[2]!.tsUs - T)).toBeLessThanOrEqual(1);
      // An SPB has no time of its own: the previous packet's.
      expect(recs[3]!.tsUs).toBe(recs[2]!.tsUs);
      expect(recs[1]!.hex).toBe(hex(ip2));
      expect(recs[3]!.hex).toBe(hex(encapsulate(LINKTYPE_ETHERNET, ip2)));
    });
  }

  it('a second section may switch byte order and restarts the interface list', () => {
    const w = new PcapngWriter({ littleEndian: true });
    w.interface({ linktype: LINKTYPE_RAW });
    w.packet(0, T, ip);
    w.section(false);
    w.interface({ linktype: LINKTYPE_ETHERNET, tsresol: 3 }); // ms
    w.packet(0, T, encapsulate(LINKTYPE_ETHERNET, ip2));
    const recs = parse(w.toBytes());
    expect(recs.map((r) => [r.linktype, r.tsUs])).toEqual([
      [LINKTYPE_RAW, T],
      [LINKTYPE_ETHERNET, Math.floor(T / 1000) * 1000],
    ]);
  });

  it('SPB captured length is capped by the interface snaplen', () => {
    const w = new PcapngWriter();
    w.interface({ linktype: LINKTYPE_RAW, snaplen: 20 });
    w.spb(ip);
    const [r] = parse(w.toBytes());
    expect([r!.caplen, r!.origlen]).toEqual([20, ip.length]);
  });
});

describe('chunked input', () => {
  const pcap = demoCapture();
  const ng = (() => {
    const w = new PcapngWriter({ littleEndian: false });
    w.interface({ linktype: LINKTYPE_ETHERNET, tsresol: 9 });
    w.interface({ linktype: LINKTYPE_RAW });
    for (let i = 0; i < 4; i++)
      w.packet(i % 2, T + i, i % 2 ? ip : encapsulate(1, ip2)).spb(encapsulate(1, ip));
    return w.toBytes();
  })();

  for (const [name, bytes] of [
    ['pcap', pcap],
    ['pcapng', ng],
  ] as const) {
    const whole = parse(bytes);
    it(`${name}: split in two at every byte boundary gives the same records`, () => {
      expect(whole.length).toBeGreaterThan(4);
      for (let cut = 1; cut < bytes.length; cut++) {
        expect(parse(bytes, [cut, bytes.length])).toEqual(whole);
      }
    });
    it(`${name}: one byte at a time`, () => {
      expect(parse(bytes, [1])).toEqual(whole);
    });
    it(
      `${name}: any chunk sizes (property)`,
      () => {
        fc.assert(
          fc.property(
            fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
            (sizes) => {
              expect(parse(bytes, sizes)).toEqual(whole);
            },
          ),
          { numRuns: 200 },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  }

  it('records are read in place from the chunk when they are whole (zero-copy)', () => {
    const chunk = demoCapture();
    const seen: boolean[] = [];
    const r = new CaptureReader((rec) => seen.push(rec.data === chunk));
    r.push(chunk);
    r.end();
    expect(seen.length).toBe(21);
    expect(seen.every(Boolean)).toBe(true);
  });
});
