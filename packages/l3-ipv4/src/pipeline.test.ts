import {
  type Conn,
  type EventNotifier,
  IPCT_DESTROY,
  Kernel,
  L3PROTOS,
  L4PROTOS,
  type L4Proto,
  type Netns,
  NF_ACCEPT,
  nfCtRefreshAcct,
  Skb,
  US_PER_JIFFY,
  VirtualClock,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { ipv4L3Proto, ipv4Module } from './index.js';

const T0 = 1_700_000_000_001_234; // not on a jiffy boundary

function recorder(net: Netns) {
  const destroyed: Array<{ ct: Conn; jiffies: number; us: number }> = [];
  const n: EventNotifier = {
    cache() {},
    deliverCached() {},
    report(ct, events) {
      if (events & IPCT_DESTROY) destroyed.push({ ct, jiffies: net.jiffies, us: net.nowUs });
      return true;
    },
    expectEvent() {},
  };
  net.registerNotifier(n);
  return destroyed;
}

function setup(seed = 1) {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(T0);
  const net = kernel.createNetns({ clock, hashSeed: seed, idSeed: seed });
  return { kernel, clock, net, skb: new Skb(), destroyed: recorder(net) };
}

const pkt = (src: string, dst: string, proto = 253) => ipv4({ src, dst, proto, payload: new Uint8Array(4) });

function send(net: Netns, skb: Skb, src: string, dst: string, proto = 253): number {
  const p = pkt(src, dst, proto);
  return net.input(skb.set(p, 0, p.length, 0));
}

/** Move the virtual clock to `us` and let the netns see it. */
function at(clock: VirtualClock, net: Netns, us: number) {
  clock.set(us);
  net.syncClock();
}

describe('expiry on the virtual clock (docs/core.md §13 ctrack baseline: "exact deadline")', () => {
  it('fires at the deadline jiffy, not one jiffy early, and DESTROY sees the deadline as "now"', () => {
    const { net, clock, skb, destroyed } = setup();
    send(net, skb, '198.18.0.1', '198.18.0.2');
    const j0 = Math.floor(T0 / US_PER_JIFFY) - net.jiffiesOrigin; // jiffies count from the netns origin
    const [ct] = net.conns();
    const deadline = j0 + 600 * 250; // nf_conntrack_generic_timeout 600 s, HZ 250
    expect(ct!.timeout).toBe(deadline);
    at(clock, net, (deadline + net.jiffiesOrigin) * US_PER_JIFFY - 1); // still jiffy deadline-1
    expect(net.count).toBe(1);
    expect(destroyed).toHaveLength(0);
    // jump far past: the conn dies at its own deadline, not at the new "now"
    at(clock, net, (deadline + 10_000 + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(net.count).toBe(0);
    expect(destroyed).toHaveLength(1);
    expect(destroyed[0]!.jiffies).toBe(deadline);
    expect(destroyed[0]!.us).toBe((deadline + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(net.jiffies).toBe(deadline + 10_000);
  });

  it('a refresh to a later deadline keeps the conn past the old one (lazy re-arm)', () => {
    const { net, clock, skb, destroyed } = setup();
    send(net, skb, '198.18.0.1', '198.18.0.2');
    const [ct] = net.conns();
    const first = ct!.timeout;
    clock.advance(100 * 1_000_000);
    send(net, skb, '198.18.0.2', '198.18.0.1'); // reply refreshes: now + 600 s
    const second = net.jiffies + 600 * 250;
    expect(ct!.timeout).toBe(second);
    at(clock, net, (first + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(net.count).toBe(1);
    at(clock, net, (second - 1 + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(net.count).toBe(1);
    at(clock, net, (second + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(destroyed.map((d) => d.jiffies)).toEqual([second]);
  });

  it('"Confirmed, modern ⇒ timeout = now + t unconditionally (may shorten)": an earlier deadline fires early', () => {
    const { net, clock, skb, destroyed } = setup();
    send(net, skb, '198.18.0.1', '198.18.0.2');
    const [ct] = net.conns();
    clock.advance(1_000_000);
    net.sysctl.set('nf_conntrack_generic_timeout', 10);
    send(net, skb, '198.18.0.1', '198.18.0.2');
    const d = net.jiffies + 10 * 250;
    expect(ct!.timeout).toBe(d);
    at(clock, net, (d - 1 + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(net.count).toBe(1);
    at(clock, net, (d + net.jiffiesOrigin) * US_PER_JIFFY);
    expect(destroyed.map((x) => x.jiffies)).toEqual([d]);
  });

  it('entries expiring in the same jiffy fire in id order; drain() empties the table in deadline order', () => {
    const { net, clock, skb, destroyed } = setup(42);
    for (let i = 1; i <= 20; i++) send(net, skb, `198.18.1.${i}`, '198.18.0.2');
    clock.advance(7_000_000);
    for (let i = 1; i <= 5; i++) send(net, skb, `198.18.2.${i}`, '198.18.0.2');
    expect(net.count).toBe(25);
    const last = net.drain();
    expect(net.count).toBe(0);
    expect(net.conns()).toEqual([]);
    const firstBatch = destroyed.slice(0, 20).map((d) => d.ct.id >>> 0);
    expect(firstBatch).toEqual([...firstBatch].sort((a, b) => a - b));
    const second = destroyed.slice(20).map((d) => d.ct.id >>> 0);
    expect(second).toEqual([...second].sort((a, b) => a - b));
    expect(destroyed.slice(20).every((d) => d.jiffies === last)).toBe(true);
    expect(destroyed[0]!.jiffies).toBe(last - 7 * 250);
  });
});

describe('unregister removes the conns it served, with DESTROY (docs/registration.md §2, §3)', () => {
  const dccp: L4Proto = {
    l3proto: 2,
    l4proto: 33,
    name: 'dccp',
    pktToTuple: (skb, off, t) => {
      t.sport = skb.view.getUint16(off);
      t.dport = skb.view.getUint16(off + 2);
      return true;
    },
    invertTuple: (t, o) => {
      t.sport = o.dport;
      t.dport = o.sport;
      return true;
    },
    packet: (ct, skb, _off, ctinfo, state) => {
      nfCtRefreshAcct(ct, ctinfo, skb, 30 * state.net.hz);
      return NF_ACCEPT;
    },
  };

  it('l4: "for each netns delete every conn whose (l3num, protonum) match"; generic takes over again', () => {
    const { kernel, net, skb, destroyed } = setup();
    const net2 = kernel.createNetns({ clock: new VirtualClock(T0), hashSeed: 9 });
    const destroyed2 = recorder(net2);
    kernel.get(L4PROTOS).register(dccp);
    send(net, skb, '198.18.0.1', '198.18.0.2', 33);
    send(net, skb, '198.18.0.1', '198.18.0.3', 253);
    send(net2, skb, '198.18.0.1', '198.18.0.2', 33);
    expect(
      net
        .conns()
        .map((c) => c.l4proto.name)
        .sort(),
    ).toEqual(['dccp', 'unknown']);
    kernel.l4protos.unregister(dccp);
    expect(destroyed.map((d) => d.ct.l4proto.name)).toEqual(['dccp']);
    expect(destroyed2.map((d) => d.ct.l4proto.name)).toEqual(['dccp']);
    expect(net.count).toBe(1);
    expect(net2.count).toBe(0);
    send(net, skb, '198.18.0.1', '198.18.0.2', 33);
    expect(net.conns().find((c) => c.orig.protonum === 33)!.l4proto.name).toBe('unknown');
  });

  it("l3: unregister restores generic, deletes that family's conns; packets are then untracked", () => {
    const { kernel, net, skb, destroyed } = setup();
    send(net, skb, '198.18.0.1', '198.18.0.2');
    send(net, skb, '198.18.0.1', '198.18.0.3');
    kernel.get(L3PROTOS).unregister(ipv4L3Proto);
    expect(destroyed).toHaveLength(2);
    expect(net.count).toBe(0);
    expect(kernel.l3protos.find(2).name).toBe('unknown');
    // "the generic l3 proto always fails" (docs/core.md §7 step 2): invalid++, ACCEPT, no conn
    expect(send(net, skb, '198.18.0.1', '198.18.0.2')).toBe(NF_ACCEPT);
    expect(net.count).toBe(0);
    expect(net.stats.invalid).toBe(1);
  });

  it('unloading nf_conntrack_ipv4 removes its hooks and its conns', () => {
    const { kernel, net, skb, destroyed } = setup();
    send(net, skb, '198.18.0.1', '198.18.0.2');
    kernel.unload('nf_conntrack_ipv4');
    expect(destroyed).toHaveLength(1);
    expect(kernel.hooks.entries[2]!.every((l) => l.length === 0)).toBe(true);
    kernel.load(ipv4Module);
    send(net, skb, '198.18.0.1', '198.18.0.2');
    expect(net.count).toBe(1);
  });
});

describe('two namespaces track independently (docs/architecture.md)', () => {
  it('the same packets make separate conns, counts, stats and timers', () => {
    const { kernel, net, clock, skb } = setup();
    const clock2 = new VirtualClock(T0);
    const b = kernel.createNetns({ clock: clock2, hashSeed: 77 });
    b.sysctl.set('nf_conntrack_generic_timeout', 5); // b's own knob only
    send(net, skb, '198.18.0.1', '198.18.0.2');
    send(b, skb, '198.18.0.1', '198.18.0.2');
    send(b, skb, '198.18.0.1', '198.18.0.9');
    expect(net.count).toBe(1);
    expect(b.count).toBe(2);
    expect(net.sysctl.get('nf_conntrack_count')).toBe(1);
    expect(b.sysctl.get('nf_conntrack_count')).toBe(2);
    expect(net.conns()[0]).not.toBe(b.conns()[0]);
    expect(net.sysctl.get('nf_conntrack_generic_timeout')).toBe(600);
    clock2.advance(6_000_000);
    send(b, skb, '198.18.0.7', '198.18.0.8'); // b's clock moved: its first two expired
    expect(b.count).toBe(1);
    expect(net.count).toBe(1);
    at(clock, net, T0 + 599_000_000);
    expect(net.count).toBe(1);
  });
});
