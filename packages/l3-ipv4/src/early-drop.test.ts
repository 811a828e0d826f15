import {
  type Conn,
  type EventNotifier,
  IPCT_DESTROY,
  IPS_ASSURED,
  Kernel,
  type Netns,
  NF_ACCEPT,
  NF_DROP,
  Skb,
  Tuple,
  VirtualClock,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { ipv4Module } from './index.js';

/**
 * docs/core.md §12 (modern): "when count > max at allocation, scan up to 8 consecutive buckets
 * starting at the new tuple's bucket; in each chain delete every entry that is confirmed,
 * not ASSURED, not DYING and in the same netns; stop at the first bucket that yielded ≥1
 * deletion, early_drop += deletions. None ⇒ ... log ... `nf_conntrack: table full,
 * dropping packet` ... drop++, packet DROP."
 */

const BASE = 0xc6120000; // 198.18.0.0/15
const PROTO = 253; // generic tracker

function setup() {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(1_700_000_000_000_000);
  const net = kernel.createNetns({ clock, hashSeed: 0x5eed, idSeed: 1 });
  net.sysctl.set('nf_conntrack_buckets', 512); // global, writable in the init netns
  const destroyed: Conn[] = [];
  const notifier: EventNotifier = {
    cache() {},
    deliverCached() {},
    report(ct, events) {
      if (events & IPCT_DESTROY) destroyed.push(ct);
      return true;
    },
    expectEvent() {},
  };
  net.registerNotifier(notifier);
  return { kernel, net, clock, destroyed, skb: new Skb() };
}

/** The buckets of a generic conn src→dst (ORIGINAL and REPLY tuple). */
function buckets(net: Netns, src: number, dst: number): [number, number] {
  const t = new Tuple();
  t.l3num = 2;
  t.protonum = PROTO;
  t.src = src;
  t.dst = dst;
  const o = net.table.bucket(net.table.rawHash(t, 0));
  t.src = dst;
  t.dst = src;
  return [o, net.table.bucket(net.table.rawHash(t, 0))];
}

function send(net: Netns, skb: Skb, src: number, dst: number): number {
  const p = ipv4({ src, dst, proto: PROTO, payload: new Uint8Array(4) });
  return net.input(skb.set(p, 0, p.length, 0));
}

/**
 * Pick conns (src → fixed dst) whose both tuplehashes land in given bucket sets:
 * `want(orig, reply)` decides. Distinct sources, none reused.
 */
function pick(
  net: Netns,
  used: Set<number>,
  want: (o: number, r: number) => boolean,
  dst = BASE + 0xffff,
): number {
  for (let a = BASE + 1; a < BASE + 0x1ffff; a++) {
    if (used.has(a) || a === dst) continue;
    const [o, r] = buckets(net, a, dst);
    if (want(o, r)) {
      used.add(a);
      return a;
    }
  }
  throw new Error('no address found');
}

const DST = BASE + 0xffff;

describe('early drop (docs/core.md §12, modern)', () => {
  it('evicts every eligible entry of the first non-empty bucket of the 8 and admits the new conn', () => {
    const { net, skb, destroyed, kernel } = setup();
    const used = new Set<number>();
    // The new conn X: its ORIGINAL bucket b0 starts the scan.
    const x = pick(net, used, () => true);
    const [b0] = buckets(net, x, DST);
    const inRange = (b: number) => (b - b0 + 512) % 512 < 8;
    // Two conns with a tuplehash in b0+3 (one via ORIGINAL, one via REPLY), one in b0+5,
    // and fillers outside the 8 buckets.
    const victimA = pick(net, used, (o, r) => o === (b0 + 3) % 512 && !inRange(r));
    const victimB = pick(net, used, (o, r) => r === (b0 + 3) % 512 && !inRange(o));
    const later = pick(net, used, (o, r) => o === (b0 + 5) % 512 && !inRange(r));
    const filler = pick(net, used, (o, r) => !inRange(o) && !inRange(r));
    for (const a of [victimA, victimB, later, filler]) expect(send(net, skb, a, DST)).toBe(NF_ACCEPT);
    expect(net.count).toBe(4);
    net.sysctl.set('nf_conntrack_max', 4);

    expect(send(net, skb, x, DST)).toBe(NF_ACCEPT);
    expect(net.stats.early_drop).toBe(2);
    expect(net.stats.drop).toBe(0);
    expect(destroyed.map((c) => c.orig.src >>> 0).sort()).toEqual([victimA, victimB].sort());
    expect(net.count).toBe(3);
    const left = net.conns().map((c) => c.orig.src >>> 0);
    expect(left.sort()).toEqual([later, filler, x].sort());
    expect(kernel.logs).toEqual([]);
  });

  it('skips ASSURED entries (and DYING ones) and continues to the next bucket', () => {
    const { net, skb, destroyed } = setup();
    const used = new Set<number>();
    const x = pick(net, used, () => true);
    const [b0] = buckets(net, x, DST);
    const inRange = (b: number) => (b - b0 + 512) % 512 < 8;
    const assured = pick(net, used, (o, r) => o === b0 && !inRange(r));
    const dying = pick(net, used, (o, r) => o === (b0 + 1) % 512 && !inRange(r));
    const victim = pick(net, used, (o, r) => o === (b0 + 7) % 512 && !inRange(r));
    const outside = pick(net, used, (o, r) => o === (b0 + 8) % 512 && !inRange(r));
    for (const a of [assured, dying, victim, outside]) send(net, skb, a, DST);
    const byAddr = new Map(net.conns().map((c) => [c.orig.src >>> 0, c]));
    // An l4 tracker would set ASSURED; the generic one never does.
    byAddr.get(assured)!.status |= IPS_ASSURED;
    byAddr.get(dying)!.status |= 1 << 9; // IPS_DYING: being deleted elsewhere
    net.sysctl.set('nf_conntrack_max', 4);
    expect(send(net, skb, x, DST)).toBe(NF_ACCEPT);
    expect(net.stats.early_drop).toBe(1);
    expect(destroyed.map((c) => c.orig.src >>> 0)).toEqual([victim]);
    byAddr.get(dying)!.status &= ~(1 << 9);
  });

  it('nothing evictable in the 8 buckets: drop++, DROP, the log line, no new conn', () => {
    const { net, skb, destroyed, kernel } = setup();
    const used = new Set<number>();
    const x = pick(net, used, () => true);
    const [b0] = buckets(net, x, DST);
    const inRange = (b: number) => (b - b0 + 512) % 512 < 8;
    const assured = pick(net, used, (o, r) => o === (b0 + 2) % 512 && !inRange(r));
    const outside = pick(net, used, (o, r) => o === (b0 + 8) % 512 && !inRange(r));
    send(net, skb, assured, DST);
    send(net, skb, outside, DST);
    net.conns().find((c) => c.orig.src >>> 0 === assured)!.status |= IPS_ASSURED;
    net.sysctl.set('nf_conntrack_max', 2);
    expect(send(net, skb, x, DST)).toBe(NF_DROP);
    expect(net.stats.drop).toBe(1);
    expect(net.stats.early_drop).toBe(0);
    expect(destroyed).toEqual([]);
    expect(net.count).toBe(2);
    expect(net.earlyDropFlag).toBe(true);
    expect(kernel.logs).toEqual(['nf_conntrack: table full, dropping packet']);
    // an established packet of an existing conn still passes
    expect(send(net, skb, DST, outside)).toBe(NF_ACCEPT);
    // nf_conntrack_max = 0: no limit
    net.sysctl.set('nf_conntrack_max', 0);
    expect(send(net, skb, x, DST)).toBe(NF_ACCEPT);
    expect(net.count).toBe(3);
  });

  it('outside the init netns the log line names the netns: "table full in netns %u"', () => {
    const { kernel, skb } = setup();
    kernel.namespaces[0]!.sysctl.set('nf_conntrack_max', 1);
    const other = kernel.createNetns({ clock: new VirtualClock(0), hashSeed: 3 });
    // both conns' tuplehashes are placed by the hash; make sure the second cannot evict the first
    send(other, skb, BASE + 1, DST);
    other.conns()[0]!.status |= IPS_ASSURED;
    expect(send(other, skb, BASE + 2, DST)).toBe(NF_DROP);
    expect(kernel.logs).toEqual([`nf_conntrack: table full in netns ${other.inum}, dropping packet`]);
  });
});
