/**
 * A third-party l4 tracker as it would be written in its own npm package: it imports
 * only the public entry points of @ctrack/core (no relative paths into src), registers
 * through a CtModule, and is exercised with real IPv4 bytes. IPv4 itself is a small
 * stand-in module written the same way (@ctrack/l3-ipv4 is not a dependency of core).
 */
import {
  CtError,
  type CtModule,
  defineToken,
  HOOKS,
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_NEW,
  IPCT_DESTROY,
  Kernel,
  L3PROTOS,
  type L3Proto,
  L4PROTOS,
  type L4Proto,
  NF_ACCEPT,
  NF_INET_LOCAL_IN,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_CONNTRACK,
  NF_IP_PRI_CONNTRACK_CONFIRM,
  NF_IP_PRI_FILTER,
  NFPROTO_IPV4,
  nfConntrackConfirm,
  nfConntrackIn,
  nfCtRefreshAcct,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';

// ---- the stand-in IPv4 module (what @ctrack/l3-ipv4 provides) -----------------------
const l3: L3Proto = {
  l3proto: NFPROTO_IPV4,
  name: 'ipv4',
  pktToTuple(skb, nhoff, t) {
    t.src = skb.view.getUint32(nhoff + 12);
    t.dst = skb.view.getUint32(nhoff + 16);
    t.l3num = NFPROTO_IPV4;
    return true;
  },
  invertTuple(t, o) {
    t.src = o.dst;
    t.dst = o.src;
    t.l3num = o.l3num;
    return true;
  },
  getL4proto(skb, nhoff) {
    skb.protonum = skb.data[nhoff + 9]!;
    skb.thoff = nhoff + ((skb.data[nhoff]! & 15) << 2);
    return NF_ACCEPT;
  },
};
const ipv4Standin: CtModule = {
  name: 'nf_conntrack_ipv4',
  init(c) {
    c.get(L3PROTOS).register(l3);
    const hooks = c.get(HOOKS);
    hooks.register({
      pf: 2,
      hooknum: NF_INET_PRE_ROUTING,
      priority: NF_IP_PRI_CONNTRACK,
      hook: nfConntrackIn,
    });
    hooks.register({
      pf: 2,
      hooknum: NF_INET_LOCAL_IN,
      priority: NF_IP_PRI_CONNTRACK_CONFIRM,
      hook: nfConntrackConfirm,
    });
  },
};

// ---- the third-party package: SCTP-ish ports, 7 s timeout, its own knob ------------
interface Pernet {
  timeout: number;
}
/** The tracker's per-netns data, provided in initNet and read back by token. */
const SCTP_LITE_NET = defineToken<Pernet>('ctrack.sctp-lite.net');
const sctpLite: L4Proto = {
  l3proto: NFPROTO_IPV4,
  l4proto: 132,
  name: 'sctp-lite',
  pktToTuple(skb, dataoff, t) {
    if (dataoff + 4 > skb.nhoff + skb.len) return false;
    t.sport = skb.view.getUint16(dataoff);
    t.dport = skb.view.getUint16(dataoff + 2);
    return true;
  },
  invertTuple(t, orig) {
    t.sport = orig.dport;
    t.dport = orig.sport;
    return true;
  },
  packet(ct, skb, _dataoff, ctinfo, state) {
    const net = state.net;
    const pn = net.get(SCTP_LITE_NET);
    ct.proto = ((ct.proto as number | null) ?? 0) + 1; // packets seen, l4-owned state
    nfCtRefreshAcct(ct, ctinfo, skb, net.sysctl.get('nf_conntrack_sctp_lite_timeout') * net.hz + pn.timeout);
    return NF_ACCEPT;
  },
  sysctls: [{ name: 'nf_conntrack_sctp_lite_timeout', default: 7, seconds: true }],
  initNet: (net) => net.provide(SCTP_LITE_NET, { timeout: 0 }),
};
const sctpLiteModule: CtModule = {
  name: 'nf_conntrack_proto_sctp_lite',
  requires: ['nf_conntrack_ipv4'],
  init(c) {
    c.get(L4PROTOS).register(sctpLite);
  },
};

function sctpPacket(src: string, dst: string, sport: number, dport: number): Uint8Array {
  const payload = new Uint8Array(12);
  new DataView(payload.buffer).setUint16(0, sport);
  new DataView(payload.buffer).setUint16(2, dport);
  return ipv4({ src, dst, proto: 132, payload });
}

describe('a third-party l4 module using only @ctrack/core public exports', () => {
  it('loads after its requirement, tracks real packets, and expires on its own timeout', () => {
    const kernel = new Kernel();
    kernel.addModules(ipv4Standin);
    kernel.load(sctpLiteModule); // pulls nf_conntrack_ipv4 in first
    expect(kernel.modules().map((m) => m.module.name)).toEqual([
      'nf_conntrack_ipv4',
      'nf_conntrack_proto_sctp_lite',
    ]);
    const clock = new VirtualClock(1_000_000);
    const net = kernel.createNetns({ clock });
    const destroyed: number[] = [];
    net.registerNotifier({
      cache() {},
      deliverCached() {},
      report: (_ct, ev) => {
        destroyed.push(ev & IPCT_DESTROY);
        return true;
      },
      expectEvent() {},
    });
    const seen: number[] = [];
    kernel.hooks.register({
      pf: 2,
      hooknum: NF_INET_LOCAL_IN,
      priority: NF_IP_PRI_FILTER,
      hook: (s) => {
        seen.push(s.ctinfo);
        return NF_ACCEPT;
      },
    });
    const skb = new Skb();
    const send = (p: Uint8Array) => net.input(skb.set(p, 0, p.length, clock.nowUs()));
    send(sctpPacket('198.18.0.1', '198.18.0.2', 5000, 36412));
    send(sctpPacket('198.18.0.2', '198.18.0.1', 36412, 5000));
    send(sctpPacket('198.18.0.1', '198.18.0.2', 5000, 36412));
    send(sctpPacket('198.18.0.1', '198.18.0.2', 5001, 36412)); // other ports: other conn
    expect(seen).toEqual([IP_CT_NEW, IP_CT_ESTABLISHED_REPLY, IP_CT_ESTABLISHED, IP_CT_NEW]);
    const conns = net.conns();
    expect(conns).toHaveLength(2);
    const a = conns.find((c) => c.orig.sport === 5000)!;
    expect(a.l4proto.name).toBe(sctpLite.name); // the registered copy of the descriptor (one fixed shape)
    expect(a.proto).toBe(3);
    expect(a.reply.sport).toBe(36412);
    expect(a.timeout - net.jiffies).toBe(7 * net.hz);
    expect(net.sysctl.get('nf_conntrack_sctp_lite_timeout')).toBe(7);
    clock.advance(7_000_000);
    net.syncClock();
    expect(net.count).toBe(0);
    expect(destroyed).toEqual([IPCT_DESTROY, IPCT_DESTROY]);
  });

  it('a second module for the same slot gets EBUSY and leaves no trace', () => {
    const kernel = new Kernel();
    kernel.addModules(ipv4Standin);
    kernel.load(sctpLiteModule);
    const net = kernel.createNetns({ clock: new VirtualClock(0) });
    const rivalProto: L4Proto = {
      ...sctpLite,
      name: 'sctp-rival',
      sysctls: [{ name: 'nf_conntrack_sctp_rival_timeout', default: 1 }],
    };
    let hookRegistered = false;
    const rival: CtModule = {
      name: 'nf_conntrack_proto_sctp_rival',
      requires: ['nf_conntrack_ipv4'],
      init(c) {
        c.get(HOOKS).register({ pf: 2, hooknum: 0, priority: 10, hook: () => NF_ACCEPT, name: 'rival' });
        hookRegistered = true;
        c.get(L4PROTOS).register(rivalProto);
      },
    };
    let err: unknown = null;
    try {
      kernel.load(rival);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CtError);
    expect((err as CtError).code).toBe('EBUSY');
    expect((err as CtError).errno).toBe(16);
    expect(hookRegistered).toBe(true);
    expect(kernel.isLoaded('nf_conntrack_proto_sctp_rival')).toBe(false);
    expect(kernel.l4protos.isRegistered(sctpLite)).toBe(true);
    expect(kernel.hooks.entries[2]![0]!.map((h) => h.name)).not.toContain('rival');
    expect(net.sysctl.has('nf_conntrack_sctp_rival_timeout')).toBe(false);
    expect(net.sysctl.has('nf_conntrack_sctp_lite_timeout')).toBe(true);
    // after rmmod of the first, the rival loads
    kernel.unload('nf_conntrack_proto_sctp_lite');
    kernel.load(rival);
    expect(kernel.l4protos.isRegistered(rivalProto)).toBe(true);
  });
});
