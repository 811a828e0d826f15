import { CtError, IP_CT_INVALID, IPCT_DESTROY, L4PROTOS, type L4Proto } from '@ctrack/core';
import { icmpPacket, udpPacket } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { icmpL4Proto, icmpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';

describe('icmpModule (nf_conntrack_proto_icmp) registration (docs/registration.md)', () => {
  it('registers icmp in slot (2,1) and nf_conntrack_icmp_timeout = 30 in every netns', () => {
    const { kernel, net } = setup([icmpModule]);
    expect(kernel.l4protos.isRegistered(icmpL4Proto)).toBe(true);
    expect(net.sysctl.get('nf_conntrack_icmp_timeout')).toBe(30);
    expect(kernel.createNetns({ clock: net.clock }).sysctl.get('nf_conntrack_icmp_timeout')).toBe(30);
  });

  it('unloading deletes ICMP conns with DESTROY; afterwards ICMP is generic and errors are not RELATED', () => {
    const { kernel, net, send, notifier } = setup([udpModule, icmpModule]);
    const ping = send(icmpPacket(A, B, { type: 8, id: 1 }), 0).ct!;
    const flow = udpPacket(A, B, { sport: 1, dport: 2 });
    const udpCt = send(flow, 0).ct!;
    kernel.unload('nf_conntrack_proto_icmp');
    expect(notifier.events.at(-1)).toMatchObject({ ct: ping, bits: IPCT_DESTROY });
    expect(net.conns()).toEqual([udpCt]);
    expect(net.sysctl.has('nf_conntrack_icmp_timeout')).toBe(false);
    const r = send(icmpPacket(B, A, { type: 3, code: 3, payload: flow.slice(0, 28) }), SEC);
    expect(r.ct!.l4proto.name).toBe('unknown');
    expect(net.stats.error).toBe(0);
  });

  it('loads and unloads on its own, with or without IPv4 and UDP', () => {
    const { kernel } = setup([]);
    kernel.unload('nf_conntrack_ipv4');
    kernel.load(icmpModule);
    kernel.unload('nf_conntrack_proto_icmp');
    kernel.load(icmpModule);
    expect(kernel.l4protos.isRegistered(icmpL4Proto)).toBe(true);
  });

  it('without a UDP tracker, a quoted UDP packet is looked up with the generic tuple', () => {
    const { send } = setup([icmpModule]);
    const flow = udpPacket(A, B, { sport: 1, dport: 2 });
    const ct = send(flow, 0).ct!;
    expect(ct.l4proto.name).toBe('unknown');
    const r = send(icmpPacket(B, A, { type: 3, code: 3, payload: flow.slice(0, 28) }), SEC);
    expect(r.ct).toBe(ct);
    expect(r.ctinfo).not.toBe(IP_CT_INVALID);
  });

  it('a second tracker for (2,1) is EBUSY', () => {
    const { kernel } = setup([icmpModule]);
    const other: L4Proto = { ...icmpL4Proto, name: 'icmp2' };
    let err: unknown;
    try {
      kernel.load({ name: 'other_icmp', init: (c) => c.get(L4PROTOS).register(other) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CtError);
    expect((err as CtError).code).toBe('EBUSY');
    expect(kernel.l4protos.isRegistered(icmpL4Proto)).toBe(true);
  });
});
