import { IPCT_DESTROY, IPS_ASSURED, NF_DROP } from '@ctrack/core';
import { tcpPacket } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { Lab } from './test-support/harness.js';

// docs/core.md §13: "a recording with nf_conntrack_max = 100: after a SYN burst filled the
// table the kernel dropped 60 SYNs, about 30 s later its GC deleted the 6 entries that
// were never ASSURED, and later SYNs took those slots".
describe('GC early drop near a full table (6.18 gc_worker)', () => {
  function handshake(lab: Lab, client: string, port: number): void {
    const S = '198.18.0.2';
    lab.sendBytes(tcpPacket(client, S, { sport: port, dport: 80, seq: 1000, flags: 'S' }));
    lab.sendBytes(tcpPacket(S, client, { sport: 80, dport: port, seq: 5000, ack: 1001, flags: 'SA' }));
    lab.sendBytes(tcpPacket(client, S, { sport: port, dport: 80, seq: 1001, ack: 5001, flags: 'A' }));
  }
  const syn = (lab: Lab, client: string, port: number) =>
    lab.sendBytes(tcpPacket(client, '198.18.0.2', { sport: port, dport: 80, seq: 1, flags: 'S' }));

  it('drops SYNs while full, then a GC pass evicts the never-ASSURED entries', () => {
    const lab = new Lab();
    const net = lab.net;
    net.sysctl.set('nf_conntrack_max', 100);
    for (let i = 0; i < 94; i++) handshake(lab, `198.18.1.${i + 1}`, 40000 + i);
    for (let i = 0; i < 6; i++) syn(lab, `198.18.2.${i + 1}`, 41000 + i);
    expect(net.count).toBe(100);
    expect(net.conns().filter((c) => (c.status & IPS_ASSURED) === 0)).toHaveLength(6);

    // The burst: 8 buckets of 262144 around each new tuple hold nothing to evict.
    let dropped = 0;
    for (let i = 0; i < 60; i++) if (syn(lab, `198.18.3.${i + 1}`, 42000 + i) === NF_DROP) dropped++;
    expect(dropped).toBe(60);
    expect(net.stats.drop).toBe(60);
    expect(net.stats.early_drop).toBe(0);
    expect(net.earlyDropFlag).toBe(true);
    expect(lab.kernel.logs).toContain('nf_conntrack: table full, dropping packet');

    // Let the GC worker's schedule run (at most its 60 s maximum interval).
    const destroysBefore = lab.notifier.events.filter((e) => e.bits & IPCT_DESTROY).length;
    for (let s = 0; s < 61 && net.count === 100; s++) {
      lab.clock.advance(1_000_000);
      net.syncClock();
    }
    expect(net.count).toBe(94);
    expect(net.conns().every((c) => (c.status & IPS_ASSURED) !== 0)).toBe(true);
    expect(lab.notifier.events.filter((e) => e.bits & IPCT_DESTROY).length - destroysBefore).toBe(6);
    expect(net.earlyDropFlag).toBe(false);

    // Later SYNs take the freed slots; the 7th finds the table full again.
    const later: number[] = [];
    for (let i = 0; i < 7; i++) later.push(syn(lab, `198.18.4.${i + 1}`, 43000 + i));
    expect(later.filter((v) => v === NF_DROP)).toHaveLength(1);
    expect(net.count).toBe(100);
  });

  it('never evicts while the flag is clear, and passes run at most 60 s apart', () => {
    const lab = new Lab();
    const net = lab.net;
    for (let i = 0; i < 6; i++) syn(lab, `198.18.2.${i + 1}`, 41000 + i);
    for (let s = 0; s < 100; s++) {
      lab.clock.advance(1_000_000);
      net.syncClock();
      expect(net.gc.next - net.jiffies).toBeLessThanOrEqual(60 * 250);
    }
    expect(net.count).toBe(6);
  });
});
