import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { Conn } from './conn.js';
import { NFPROTO_IPV4 } from './constants.js';
import { genericL4Proto } from './generic.js';
import { Kernel } from './kernel.js';
import type { Netns } from './netns.js';
import { ConntrackTable, roundBuckets } from './table.js';
import { PROPERTY_TIMEOUT_MS } from './testing/limits.js';
import { Timers } from './timers.js';
import { Tuple, tupleCopy } from './tuple.js';

function tuple(src: number, dst: number, sport = 0, dport = 0, proto = 17): Tuple {
  const t = new Tuple();
  t.src = src >>> 0;
  t.dst = dst >>> 0;
  t.sport = sport;
  t.dport = dport;
  t.protonum = proto;
  t.l3num = NFPROTO_IPV4;
  return t;
}

function conn(net: Netns, o: Tuple, zone = 0, id = 0): Conn {
  const ct = new Conn(net, genericL4Proto);
  tupleCopy(ct.tuplehash[0], o).dir = 0;
  const r = ct.tuplehash[1];
  r.src = o.dst;
  r.dst = o.src;
  r.sport = o.dport;
  r.dport = o.sport;
  r.protonum = o.protonum;
  r.l3num = o.l3num;
  ct.zone = zone;
  ct.seq = id;
  return ct;
}

const newNet = () => new Kernel().createNetns({ clock: new VirtualClock(0), hashSeed: 0x1234 });

function insert(t: ConntrackTable, ct: Conn): void {
  t.insert(ct, t.rawHash(ct.tuplehash[0], ct.zone), t.rawHash(ct.tuplehash[1], ct.zone));
}

const find = (t: ConntrackTable, x: Tuple, zone = 0) => t.find(x, zone, t.rawHash(x, zone));

describe('ConntrackTable (docs/core.md §3)', () => {
  it('"Size is rounded up to a multiple of 512"', () => {
    expect(roundBuckets(1)).toBe(512);
    expect(roundBuckets(512)).toBe(512);
    expect(roundBuckets(513)).toBe(1024);
    expect(new ConntrackTable(1000, 1).size).toBe(1024);
  });

  it('insert links both directions; lookup finds ORIGINAL and REPLY; delete unlinks both', () => {
    const net = newNet();
    const t = new ConntrackTable(512, 99);
    const o = tuple(0xc6120001, 0xc6120002, 40000, 53);
    const ct = conn(net, o);
    insert(t, ct);
    const ho = find(t, o);
    expect(ho?.ct).toBe(ct);
    expect(ho?.dir).toBe(0);
    const hr = find(t, tuple(0xc6120002, 0xc6120001, 53, 40000));
    expect(hr?.ct).toBe(ct);
    expect(hr?.dir).toBe(1);
    // a field differing in any compared part misses
    expect(find(t, tuple(0xc6120001, 0xc6120002, 40000, 54))).toBeNull();
    expect(find(t, tuple(0xc6120001, 0xc6120002, 40000, 53, 6))).toBeNull();
    expect([...t.conns()]).toEqual([ct]);
    t.remove(ct);
    expect(find(t, o)).toBeNull();
    expect(find(t, tuple(0xc6120002, 0xc6120001, 53, 40000))).toBeNull();
    expect([...t.conns()]).toEqual([]);
  });

  it('"Two conns may have equal tuples in different zones" and the hash folds the zone in', () => {
    const net = newNet();
    const t = new ConntrackTable(512, 7);
    const o = tuple(0xc6120001, 0xc6120002, 1000, 2000);
    const z0 = conn(net, o, 0);
    const z7 = conn(net, o, 7);
    insert(t, z0);
    insert(t, z7);
    expect(find(t, o, 0)?.ct).toBe(z0);
    expect(find(t, o, 7)?.ct).toBe(z7);
    expect(find(t, o, 3)).toBeNull();
    expect(t.rawHash(o, 0)).not.toBe(t.rawHash(o, 7));
    t.remove(z0);
    expect(find(t, o, 0)).toBeNull();
    expect(find(t, o, 7)?.ct).toBe(z7);
  });

  it('the seed changes the raw hash ("random seed per table")', () => {
    const o = tuple(0xc6120001, 0xc6120002, 1000, 2000);
    expect(new ConntrackTable(512, 1).rawHash(o, 0)).not.toBe(new ConntrackTable(512, 2).rawHash(o, 0));
    expect(new ConntrackTable(512, 1).rawHash(o, 0)).toBe(new ConntrackTable(1024, 1).rawHash(o, 0));
  });

  it('chains: colliding entries are linked at the head and all stay findable; removal from the middle', () => {
    const net = newNet();
    const t = new ConntrackTable(512, 5);
    // 3000 conns = 6000 tuplehashes in 512 buckets: long chains
    const conns: Conn[] = [];
    for (let i = 0; i < 3000; i++) {
      const ct = conn(net, tuple(0x0a000000 + i, 0xc6120002, i & 0xffff, 80, 6));
      insert(t, ct);
      conns.push(ct);
    }
    let total = 0;
    let longest = 0;
    for (let b = 0; b < t.size; b++) {
      let n = 0;
      for (let h = t.heads[b] ?? null; h !== null; h = h.next) {
        expect(t.bucket(t.rawHash(h, h.ct.zone))).toBe(b);
        n++;
      }
      total += n;
      longest = Math.max(longest, n);
    }
    expect(total).toBe(6000);
    expect(longest).toBeGreaterThan(5);
    // the last inserted is at the head of its chain
    const last = conns[conns.length - 1]!;
    const raw = t.rawHash(last.tuplehash[0], 0);
    expect(t.heads[t.bucket(raw)]).toBe(last.tuplehash[0]);
    expect(t.chainLength(raw)).toBeGreaterThanOrEqual(1);
    // remove every third; the rest is still found in both directions
    for (let i = 0; i < conns.length; i += 3) t.remove(conns[i]!);
    for (let i = 0; i < conns.length; i++) {
      const c = conns[i]!;
      const want = i % 3 === 0 ? null : c;
      expect(find(t, c.tuplehash[0])?.ct ?? null).toBe(want);
      expect(find(t, c.tuplehash[1])?.ct ?? null).toBe(want);
    }
  });

  it(
    '"Resizing ... rehashes every entry": everything stays findable after growing and shrinking',
    () => {
      const net = newNet();
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffff), fc.nat(3)), {
            minLength: 1,
            maxLength: 200,
            selector: (x) => `${x[0]}:${x[1]}:${x[2]}`,
          }),
          fc.integer({ min: 1, max: 5000 }),
          (rows, buckets) => {
            const t = new ConntrackTable(512, 0xabc);
            const cs = rows.map(([a, p, z]) => conn(net, tuple(a, 0xc6120002, p, 443, 6), z));
            for (const c of cs) insert(t, c);
            t.resize(buckets);
            expect(t.size).toBe(roundBuckets(buckets));
            for (const c of cs) {
              expect(find(t, c.tuplehash[0], c.zone)?.ct).toBe(c);
              expect(find(t, c.tuplehash[1], c.zone)?.ct).toBe(c);
            }
            expect([...t.conns()].length).toBe(cs.length);
          },
        ),
        { numRuns: 50 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('Timers (docs/core.md §13: "expiry fires at the exact deadline"; lazy re-arm)', () => {
  /** A model: expected pop order = (deadline, unsigned id), the heap's tie rule (ids are int32 hashes of the conn number). */
  it(
    'pops in (deadline, id) order under random add / refresh (earlier or later) / remove',
    () => {
      const net = newNet();
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.record({ op: fc.constant('add' as const), t: fc.integer({ min: 0, max: 50 }) }),
              fc.record({
                op: fc.constant('refresh' as const),
                i: fc.nat(),
                t: fc.integer({ min: 0, max: 50 }),
              }),
              fc.record({ op: fc.constant('remove' as const), i: fc.nat() }),
              fc.record({ op: fc.constant('pop' as const), t: fc.integer({ min: 0, max: 50 }) }),
            ),
            { maxLength: 120 },
          ),
          (ops) => {
            const timers = new Timers();
            const live: Conn[] = [];
            let nextId = 1;
            for (const o of ops) {
              if (o.op === 'add') {
                const c = conn(net, tuple(nextId, 1), 0, nextId++);
                c.timeout = o.t;
                timers.add(c);
                live.push(c);
              } else if (o.op === 'refresh' && live.length > 0) {
                const c = live[o.i % live.length]!;
                c.timeout = o.t;
                timers.update(c);
              } else if (o.op === 'remove' && live.length > 0) {
                const c = live.splice(o.i % live.length, 1)[0]!;
                timers.remove(c);
              } else if (o.op === 'pop') {
                const want = live
                  .filter((c) => c.timeout <= o.t)
                  .sort((x, y) => x.timeout - y.timeout || (x.id >>> 0) - (y.id >>> 0));
                const got: Conn[] = [];
                for (let c = timers.popExpired(o.t); c !== null; c = timers.popExpired(o.t)) got.push(c);
                expect(got).toEqual(want);
                for (const c of got) live.splice(live.indexOf(c), 1);
              }
              expect(timers.size).toBeLessThanOrEqual(live.length);
              // `next` may be early (lazy) but never later than the real earliest deadline
              const earliest = Math.min(...live.map((c) => c.timeout));
              expect(timers.next).toBeLessThanOrEqual(earliest);
            }
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
