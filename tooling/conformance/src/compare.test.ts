import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareEvents, compareList, DEFAULT_RULES } from './compare.js';
import { parseEvents, parseListLine, parseNft, parseTimestampPrefix, sumStats } from './lines.js';

const T = 'tcp      6';
const tup = (sp: number) =>
  `src=198.18.0.1 dst=198.18.0.2 sport=${sp} dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=${sp}`;
const conn = (sp: number, id: number) => ({
  new: (ts: string) => `[${ts}]\t    [NEW] ${T} 120 SYN_SENT ${tup(sp)} id=${id}`,
  upd: (ts: string) => `[${ts}]\t [UPDATE] ${T} 60 SYN_RECV ${tup(sp)} id=${id}`,
  destroy: (ts: string) => `[${ts}]\t[DESTROY] ${T} SYN_RECV ${tup(sp)} delta-time=60 id=${id}`,
});
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const rules = { ...DEFAULT_RULES, listedAtUs: 200_000_000 };

describe('line parsing', () => {
  it('reads -o timestamp exactly as conntrack 1.4.7 prints it, and nothing else', () => {
    expect(parseTimestampPrefix('[1795251101.016796]\tx').tsUs).toBe(1795251101_016796);
    expect(parseTimestampPrefix('[1795250689.123456]\tx').tsUs).toBe(1795250689_123456);
    // The space-padded form an earlier ctrack printed is not conntrack's: rejected.
    expect(() => parseTimestampPrefix('[1795251101.16796 ]\tx')).toThrow(/not in conntrack's/);
    expect(() => parseTimestampPrefix('[1.1     ]\tx')).toThrow(/not in conntrack's/);
    expect(parseTimestampPrefix('    [NEW] x').tsUs).toBeNull();
  });

  it('every timestamp in the recordings is in that format', () => {
    for (const f of readdirSync(FIXTURES)) {
      for (const name of ['events.txt', 'expect-events.txt']) {
        const p = join(FIXTURES, f, name);
        if (!existsSync(p)) continue;
        for (const l of readFileSync(p, 'utf8').split('\n')) {
          if (l !== '') expect(parseTimestampPrefix(l).tsUs).not.toBeNull();
        }
      }
    }
  });

  it('keeps an ICMP tuple id apart from the conn id', () => {
    const [e] = parseEvents([
      '[1.000001]\t    [NEW] icmp     1 4 src=1.1.1.1 dst=2.2.2.2 type=8 code=0 id=29672 [UNREPLIED] src=2.2.2.2 dst=1.1.1.1 type=0 code=0 id=29672 id=42',
    ]);
    expect(e!.id).toBe('42');
    expect(e!.body.endsWith('id=29672')).toBe(true);
    expect(e!.conn.origKey).toBe('1 src=1.1.1.1 dst=2.2.2.2 type=8 code=0 id=29672');
  });

  it('sums -S over CPUs and reads the nft counters per chain', () => {
    expect(sumStats(['cpu=0   \tinvalid=1 error=0 ', 'cpu=1   \tinvalid=1 error=2 '])).toEqual({
      invalid: 2,
      error: 2,
    });
    const n = parseNft(
      'chain prerouting {\n ct state new counter packets 2 bytes 72\n}\nchain output {\n ct state related counter packets 1 bytes 70\n}',
    );
    expect(n.prerouting.new).toEqual({ packets: 2, bytes: 72 });
    expect(n.output.related).toEqual({ packets: 1, bytes: 70 });
    expect(n.output.new).toEqual({ packets: 0, bytes: 0 });
  });
});

describe('event comparison', () => {
  const k = conn(40001, 111);
  const o = conn(40001, 7);

  it('maps ids and accepts a DESTROY printed earlier than the kernel reaped', () => {
    const r = compareEvents(
      parseEvents([k.new('100.000100'), k.upd('100.000200'), k.destroy('190.000000')]),
      parseEvents([o.new('100.000050'), o.upd('100.000150'), o.destroy('160.000000')]),
      rules,
    );
    expect(r.problems).toEqual([]);
    expect(r.matched).toBe(3);
    expect(r.idMap.get('111')).toBe('7');
  });

  it('rejects a DESTROY later than the kernel’s', () => {
    const r = compareEvents(
      parseEvents([k.new('100.000100'), k.destroy('150.000000')]),
      parseEvents([o.new('100.000050'), o.destroy('160.000000')]),
      rules,
    );
    expect(r.matched).toBe(1);
    expect(r.problems.some((p) => p.startsWith('late DESTROY'))).toBe(true);
  });

  it('rejects an event caused by another packet, a different line, and an extra event', () => {
    const late = compareEvents(parseEvents([k.new('100.000100')]), parseEvents([o.new('101.000000')]), rules);
    expect(late.matched).toBe(0);
    const other = compareEvents(
      parseEvents([k.new('100.000100'), k.upd('100.000200')]),
      parseEvents([o.new('100.000050'), o.upd('100.000150').replace(' 60 ', ' 30 ')]),
      rules,
    );
    expect(other.matched).toBe(1);
    const extra = compareEvents(
      parseEvents([k.new('100.000100')]),
      parseEvents([o.new('100.000050'), o.upd('100.000150')]),
      rules,
    );
    expect(extra.matched).toBe(1);
    expect(extra.problems.some((p) => p.startsWith('ctrack event the kernel did not print'))).toBe(true);
  });

  it('ignores ctrack events after the listing (drain) but not before', () => {
    const r = compareEvents(
      parseEvents([k.new('100.000100')]),
      parseEvents([o.new('100.000050'), o.destroy('300.000000')]),
      rules,
    );
    expect(r.problems).toEqual([]);
    expect(r.afterListing).toBe(1);
  });

  it('demands the kernel’s order across conns', () => {
    const k2 = conn(40002, 222);
    const o2 = conn(40002, 8);
    const r = compareEvents(
      parseEvents([k.new('100.000100'), k2.new('100.500100')]),
      parseEvents([o2.new('100.000050'), o.new('100.000060')]),
      rules,
    );
    expect(r.problems.some((p) => p.startsWith('order') || p.includes('another time'))).toBe(true);
  });
});

describe('list comparison', () => {
  const line = (timeout: number, id: number) =>
    `tcp      6 ${timeout} TIME_WAIT src=198.18.0.1 dst=198.18.0.2 sport=42001 dport=8080 packets=6 bytes=282 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=42001 packets=5 bytes=208 [ASSURED] mark=0 delta-time=5 use=1 id=${id}`;

  it('is unordered, allows the timeout tolerance and checks ids against the events', () => {
    const ok = compareList(
      [parseListLine(line(117, 1))],
      [parseListLine(line(118, 9))],
      1,
      new Map([['1', '9']]),
    );
    expect(ok.problems).toEqual([]);
    const far = compareList([parseListLine(line(117, 1))], [parseListLine(line(110, 9))], 1, new Map());
    expect(far.matched).toBe(0);
    const wrongId = compareList(
      [parseListLine(line(117, 1))],
      [parseListLine(line(117, 9))],
      1,
      new Map([['1', '5']]),
    );
    expect(wrongId.matched).toBe(0);
  });
});
