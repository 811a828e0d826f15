import { CtError, IPCT_DESTROY, L4PROTOS, type L4Proto } from '@ctrack/core';
import { udpPacket } from '@ctrack/core/testing';
import { setup } from '@ctrack/l3-ipv4/testing';
import { describe, expect, it } from 'vitest';
import { udpL4Proto, udpliteL4Proto, udpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';
const req = udpPacket(A, B, { sport: 40000, dport: 5001 });

describe('udpModule (nf_conntrack_proto_udp) registration (docs/registration.md)', () => {
  it('registers udp (2,17) and udplite (2,136) and the two UDP timeout knobs with 6.18 defaults', () => {
    const { kernel, net } = setup([udpModule]);
    expect(kernel.l4protos.isRegistered(udpL4Proto)).toBe(true);
    expect(kernel.l4protos.isRegistered(udpliteL4Proto)).toBe(true);
    expect(net.sysctl.get('nf_conntrack_udp_timeout')).toBe(30);
    expect(net.sysctl.get('nf_conntrack_udp_timeout_stream')).toBe(120);
  });

  it('unloading deletes its conns with DESTROY, removes the knobs and restores the generic tracker', () => {
    const { kernel, net, send, notifier } = setup([udpModule]);
    const ct = send(req, 0).ct!;
    expect(net.count).toBe(1);
    kernel.unload('nf_conntrack_proto_udp');
    expect(net.count).toBe(0);
    expect(notifier.events.at(-1)).toMatchObject({ ct, bits: IPCT_DESTROY });
    expect(net.sysctl.has('nf_conntrack_udp_timeout')).toBe(false);
    // Now UDP is generic: no ports in the tuple, 600 s.
    const g = send(req, 1_000_000).ct!;
    expect(g.l4proto.name).toBe('unknown');
    expect(g.orig.sport).toBe(0);
    expect(g.timeout - net.jiffies).toBe(600 * 250);
  });

  it('loads on its own before IPv4 and again after an unload', () => {
    const { kernel } = setup([]);
    kernel.unload('nf_conntrack_ipv4');
    kernel.load(udpModule);
    expect(kernel.isLoaded('nf_conntrack_proto_udp')).toBe(true);
    kernel.unload('nf_conntrack_proto_udp');
    kernel.load(udpModule);
    expect(kernel.l4protos.isRegistered(udpL4Proto)).toBe(true);
  });

  it('a second tracker for (2,17) is EBUSY and leaves the first in place', () => {
    const { kernel, net } = setup([udpModule]);
    const other: L4Proto = { ...udpL4Proto, name: 'udp2' };
    let err: unknown;
    try {
      kernel.load({ name: 'other_udp', init: (c) => c.get(L4PROTOS).register(other) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CtError);
    expect((err as CtError).code).toBe('EBUSY');
    expect(kernel.l4protos.isRegistered(udpL4Proto)).toBe(true);
    expect(net.sysctl.get('nf_conntrack_udp_timeout')).toBe(30);
  });

  it('a failing udplite registration unwinds udp (module_init goto err)', () => {
    const { kernel, net } = setup([]);
    const squatter: L4Proto = { ...udpliteL4Proto, name: 'squatter', initNet: undefined };
    kernel.load({ name: 'squat', init: (c) => c.get(L4PROTOS).register(squatter) });
    expect(() => kernel.load(udpModule)).toThrow(/EBUSY|taken/);
    expect(kernel.l4protos.find(2, 17).name).toBe('unknown');
    expect(net.sysctl.has('nf_conntrack_udp_timeout')).toBe(false);
    expect(kernel.isLoaded('nf_conntrack_proto_udp')).toBe(false);
  });
});
