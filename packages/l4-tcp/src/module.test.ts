import { IPCT_DESTROY, isCtError, Kernel, L4PROTOS, type L4Proto, VirtualClock } from '@ctrack/core';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { describe, expect, it } from 'vitest';
import { tcpL4Proto, tcpModule } from './index.js';
import { Lab, T0 } from './test-support/harness.js';

/** docs/sysctl.md "Per-protocol timeouts and options": the TCP knobs with 6.18 defaults. */
const SYSCTL_DEFAULTS: Record<string, number> = {
  nf_conntrack_tcp_timeout_syn_sent: 120,
  nf_conntrack_tcp_timeout_syn_recv: 60,
  nf_conntrack_tcp_timeout_established: 432000,
  nf_conntrack_tcp_timeout_fin_wait: 120,
  nf_conntrack_tcp_timeout_close_wait: 60,
  nf_conntrack_tcp_timeout_last_ack: 30,
  nf_conntrack_tcp_timeout_time_wait: 120,
  nf_conntrack_tcp_timeout_close: 10,
  nf_conntrack_tcp_timeout_max_retrans: 300,
  nf_conntrack_tcp_timeout_unacknowledged: 300,
  nf_conntrack_tcp_loose: 1,
  nf_conntrack_tcp_be_liberal: 0,
  nf_conntrack_tcp_ignore_invalid_rst: 0,
  nf_conntrack_tcp_max_retrans: 3,
};

describe('nf_conntrack_proto_tcp module', () => {
  it('loads on its own (before ipv4) and registers the (2, 6) slot as "tcp"', () => {
    const kernel = new Kernel();
    kernel.load(tcpModule);
    expect(kernel.l4protos.isRegistered(tcpL4Proto)).toBe(true);
    expect(tcpL4Proto.name).toBe('tcp');
    kernel.unload('nf_conntrack_proto_tcp');
    expect(kernel.l4protos.find(2, 6).name).toBe('unknown');
  });

  it('registers every TCP sysctl with its 6.18 name and default in each netns, and removes them on unload', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, tcpModule]);
    const net = kernel.createNetns({ clock: new VirtualClock(T0) });
    for (const [k, v] of Object.entries(SYSCTL_DEFAULTS)) expect(net.sysctl.get(k), k).toBe(v);
    expect(tcpL4Proto.sysctls!.map((d) => d.name).sort()).toEqual(Object.keys(SYSCTL_DEFAULTS).sort());
    // u8 0..1 knobs
    expect(() => net.sysctl.set('nf_conntrack_tcp_loose', 2)).toThrow();
    kernel.unload('nf_conntrack_proto_tcp');
    expect(net.sysctl.has('nf_conntrack_tcp_loose')).toBe(false);
  });

  it('a second TCP tracker for the same slot is EBUSY', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, tcpModule]);
    const other: L4Proto = { ...tcpL4Proto, name: 'tcp2', sysctls: [] };
    let err: unknown;
    try {
      kernel.get(L4PROTOS).register(other);
    } catch (e) {
      err = e;
    }
    expect(isCtError(err, 'EBUSY')).toBe(true);
    // loading the module twice is refused by the loader
    expect(() => kernel.load(tcpModule)).toThrow();
    expect(kernel.l4protos.isRegistered(tcpL4Proto)).toBe(true);
  });

  it('a module whose init finds the slot taken fails with EBUSY and leaves nothing behind', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, tcpModule]);
    const clone = { ...tcpModule, name: 'nf_conntrack_proto_tcp_clone' };
    let err: unknown;
    try {
      kernel.load(clone);
    } catch (e) {
      err = e;
    }
    expect(isCtError(err, 'EBUSY')).toBe(true);
    expect(kernel.l4protos.isRegistered(tcpL4Proto)).toBe(true);
  });

  it('unloading removes its conns with DESTROY events; later TCP is tracked by the generic tracker', () => {
    const lab = new Lab();
    lab.handshake();
    lab.orig({ flags: 'S', seq: 1, sport: 40001 });
    expect(lab.net.count).toBe(2);
    lab.kernel.unload('nf_conntrack_proto_tcp');
    expect(lab.net.count).toBe(0);
    expect(lab.notifier.events.filter((e) => e.bits === IPCT_DESTROY)).toHaveLength(2);
    lab.orig({ flags: 'S', seq: 1 });
    expect(lab.conn!.l4proto.name).toBe('unknown');
  });

  it('printConntrack gives the state name; printTuple gives "sport=%u dport=%u "', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    const ct = lab.conn!;
    expect(tcpL4Proto.printConntrack!(ct)).toBe('SYN_SENT');
    expect(tcpL4Proto.printTuple!(ct.orig)).toBe('sport=40000 dport=5001 ');
    expect(tcpL4Proto.printTuple!(ct.reply)).toBe('sport=5001 dport=40000 ');
    lab.reply({ flags: 'S', seq: 5000 });
    expect(tcpL4Proto.printConntrack!(ct)).toBe('SYN_SENT2');
  });

  it('GC may early-drop only the closing states (docs/tcp.md §11)', () => {
    const lab = new Lab();
    lab.handshake();
    expect(tcpL4Proto.canEarlyDrop!(lab.conn!)).toBe(false);
    lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
    expect(tcpL4Proto.canEarlyDrop!(lab.conn!)).toBe(true);
  });
});
