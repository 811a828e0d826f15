import {
  type Conn,
  type EventNotifier,
  IPCT_DESTROY,
  IPCT_NEW,
  Kernel,
  NF_ACCEPT,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { ipv4Module } from './index.js';

/**
 * A capture whose clock jumps forward (a device that syncs its clock mid-capture: the
 * first packet stamped 1970, the next 2023). Conns expire at their own deadlines, in
 * order, as they would have; the GC worker, late by 53 years, runs once (core gc.ts
 * catchUp), so the jump costs table-sized work, not one pass per 60 s of the gap.
 * Work is counted (GC passes, buckets walked), never timed.
 */
const BASE = 0xc6120000; // 198.18.0.0/15
const PROTO = 253; // generic tracker: nf_conntrack_generic_timeout = 600 s
const HZ = 250;
const US_1970 = 1_000_000; // 1970-01-01 00:00:01
const US_2023 = 1_700_000_000_000_000;

function setup() {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(US_1970);
  const net = kernel.createNetns({ clock, hashSeed: 7, idSeed: 1 });
  const events: Array<{ ev: 'new' | 'destroy'; src: number; jiffies: number }> = [];
  const notifier: EventNotifier = {
    cache() {},
    deliverCached() {},
    report(ct: Conn, bits: number) {
      if (bits & IPCT_DESTROY) events.push({ ev: 'destroy', src: ct.orig.src >>> 0, jiffies: net.jiffies });
      else if (bits & IPCT_NEW) events.push({ ev: 'new', src: ct.orig.src >>> 0, jiffies: net.jiffies });
      return true;
    },
    expectEvent() {},
  };
  net.registerNotifier(notifier);
  const skb = new Skb();
  const send = (atUs: number, src: number) => {
    clock.set(atUs);
    const p = ipv4({ src, dst: BASE + 0xffff, proto: PROTO, payload: new Uint8Array(4) });
    return net.input(skb.set(p, 0, p.length, atUs));
  };
  return { net, send, events };
}

describe('forward jump of the packet clock', () => {
  it('1970 then 2023: conns expire at their deadlines in order, the GC walks the table a bounded number of times', () => {
    const { net, send, events } = setup();
    // Three conns 10 s apart in 1970, so their deadlines (600 s later) are distinct.
    for (let i = 0; i < 3; i++) expect(send(US_1970 + i * 10_000_000, BASE + 1 + i)).toBe(NF_ACCEPT);
    const j0 = net.jiffies - 20 * HZ;
    const passesBefore = net.gc.passes;
    const scannedBefore = net.gc.bucketsScanned;
    expect(send(US_2023, BASE + 100)).toBe(NF_ACCEPT);
    const destroyed = events.filter((e) => e.ev === 'destroy');
    expect(destroyed).toEqual([
      { ev: 'destroy', src: BASE + 1, jiffies: j0 + 600 * HZ },
      { ev: 'destroy', src: BASE + 2, jiffies: j0 + 610 * HZ },
      { ev: 'destroy', src: BASE + 3, jiffies: j0 + 620 * HZ },
    ]);
    expect(net.count).toBe(1);
    // The pass that was due, then the late worker once at the new time.
    const passes = net.gc.passes - passesBefore;
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(passes).toBeLessThanOrEqual(2);
    expect(net.gc.bucketsScanned - scannedBefore).toBe(passes * net.table.heads.length);
    // The schedule resumes from the new time: the next pass is within 60 s of it.
    expect(net.gc.next).toBeGreaterThan(net.jiffies);
    expect(net.gc.next - net.jiffies).toBeLessThanOrEqual(60 * HZ);
  });

  it('a live conn across the gap (refreshed just before it) expires at its deadline, not at the jump', () => {
    const { net, send, events } = setup();
    send(US_1970, BASE + 1);
    // 599 s later, still alive: the refresh moves its deadline to 599 + 600 s.
    send(US_1970 + 599_000_000, BASE + 1);
    const j1 = net.jiffies;
    const scannedBefore = net.gc.bucketsScanned;
    send(US_1970 + 86_400_000_000, BASE + 2); // one day later
    expect(events.filter((e) => e.ev === 'destroy')).toEqual([
      { ev: 'destroy', src: BASE + 1, jiffies: j1 + 600 * HZ },
    ]);
    expect(net.gc.bucketsScanned - scannedBefore).toBeLessThanOrEqual(2 * net.table.heads.length);
  });
});
