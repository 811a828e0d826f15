import {
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IPS_ASSURED,
  IPS_CONFIRMED,
  IPS_SEEN_REPLY,
  Kernel,
  NF_ACCEPT,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { ipv4Module } from './index.js';

const T0 = 1_700_000_000_000_000;

function setup() {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(T0);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  return { kernel, clock, net };
}

const pkt = (src: string, dst: string, proto = 253) =>
  ipv4({ src, dst, proto, payload: new Uint8Array([1, 2, 3, 4]) });

describe('generic l4 tracking of real IPv4 bytes', () => {
  it('creates one conn per (saddr, daddr, proto) and sees the reply', () => {
    const { net, clock } = setup();
    const skb = new Skb();
    const a = pkt('198.18.0.1', '198.18.0.2');
    skb.set(a, 0, a.length, clock.nowUs());
    // Observe the ctinfo at confirm time via a look at the conn before release.
    let seen = -2;
    net.kernel.hooks.register({
      pf: 2,
      hooknum: 1,
      priority: 0,
      hook: (s) => {
        seen = s.ctinfo;
        return NF_ACCEPT;
      },
    });
    expect(net.input(skb)).toBe(NF_ACCEPT);
    expect(seen).toBe(IP_CT_NEW);
    expect(net.count).toBe(1);
    const [ct] = net.conns();
    expect(ct!.status & IPS_CONFIRMED).toBeTruthy();
    expect(ct!.l4proto.name).toBe('unknown');
    expect(ct!.orig.sport).toBe(0);
    // 600 s generic timeout, in jiffies.
    expect(ct!.timeout - net.jiffies).toBe(600 * 250);

    clock.advance(1_000_000);
    const b = pkt('198.18.0.2', '198.18.0.1');
    skb.set(b, 0, b.length, clock.nowUs());
    net.input(skb);
    expect(seen).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ct!.status & IPS_SEEN_REPLY).toBeTruthy();
    expect(ct!.status & IPS_ASSURED).toBe(0);
    expect(net.count).toBe(1);
  });

  it('expires at exactly 600 s on the virtual clock', () => {
    const { net, clock } = setup();
    const skb = new Skb();
    const a = pkt('198.18.0.1', '198.18.0.2');
    net.input(skb.set(a, 0, a.length, 0));
    expect(net.count).toBe(1);
    clock.advance(600 * 1_000_000 - 4000);
    net.syncClock();
    expect(net.count).toBe(1);
    clock.advance(4000);
    net.syncClock();
    expect(net.count).toBe(0);
  });

  it('a non-first fragment is invalid and not tracked', () => {
    const { net } = setup();
    const skb = new Skb();
    const f = ipv4({
      src: '198.18.0.1',
      dst: '198.18.0.2',
      proto: 17,
      payload: new Uint8Array(16),
      fragOffset: 8,
    });
    net.input(skb.set(f, 0, f.length, 0));
    expect(skb.ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.invalid).toBe(1);
    expect(net.count).toBe(0);
  });
});
