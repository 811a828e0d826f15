import {
  type Conn,
  type ConnAcct,
  extFind,
  IP_CT_NEW,
  IP_CT_UNTRACKED,
  NF_ACCEPT,
  NF_CT_EXT_ACCT,
  NF_INET_LOCAL_OUT,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_CONNTRACK_DEFRAG,
  NF_STOLEN,
  NFPROTO_IPV4,
  Skb,
} from '@ctrack/core';
import { ipv4, PROPERTY_TIMEOUT_MS, tcpPacket } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IP_DEFRAG_CONNTRACK_IN, IP_DEFRAG_CONNTRACK_OUT } from './constants.js';
import {
  DEFRAG_QUEUES,
  DEFRAG_REASONS,
  defragOf,
  ipv4ConntrackDefrag,
  type ReasmTimeoutReport,
} from './defrag.js';
import { defragModule } from './module.js';
import { CLI, frag, fragments, SRV, udpDatagram } from './test-support/packets.js';

function env() {
  const h = setup([defragModule, tcpModule, udpModule, icmpModule]);
  h.net.sysctl.set('nf_conntrack_acct', 1);
  const dn = h.net.get(DEFRAG_QUEUES);
  return { ...h, dn, mib: dn.mib };
}

const J = 4000; // µs per jiffy
const getAcct = (ct: Conn) => extFind<ConnAcct>(ct, NF_CT_EXT_ACCT);

describe('module', () => {
  it('registers PRE_ROUTING and LOCAL_OUT at -400, before conntrack', () => {
    const { kernel } = env();
    const hooks = kernel.hooks;
    for (const hook of [NF_INET_PRE_ROUTING, NF_INET_LOCAL_OUT]) {
      const list = hooks.entries[NFPROTO_IPV4]![hook]!;
      expect(list[0]!.name).toBe('ipv4_conntrack_defrag');
      expect(list[0]!.priority).toBe(NF_IP_PRI_CONNTRACK_DEFRAG);
      expect(list[1]!.priority).toBe(-200);
    }
  });

  it('net.ipv4.ipfrag_* knobs with 6.18 defaults and ranges, per netns', () => {
    const { net, kernel, clock } = env();
    expect(net.sysctl.get('net.ipv4.ipfrag_time')).toBe(30);
    expect(net.sysctl.get('net.ipv4.ipfrag_high_thresh')).toBe(4194304);
    expect(net.sysctl.get('net.ipv4.ipfrag_low_thresh')).toBe(3145728);
    expect(net.sysctl.get('net.ipv4.ipfrag_max_dist')).toBe(64);
    expect(net.sysctl.get('net.ipv4.ipfrag_secret_interval')).toBe(0);
    // high ≥ low and low ≤ high (proc_doulongvec_minmax with each other as bound)
    expect(() => net.sysctl.set('net.ipv4.ipfrag_high_thresh', 3145727)).toThrow(/EINVAL/);
    expect(net.sysctl.get('net.ipv4.ipfrag_high_thresh')).toBe(4194304);
    expect(() => net.sysctl.set('net.ipv4.ipfrag_low_thresh', 4194305)).toThrow(/EINVAL/);
    expect(net.sysctl.get('net.ipv4.ipfrag_low_thresh')).toBe(3145728);
    net.sysctl.set('net.ipv4.ipfrag_low_thresh', 0);
    net.sysctl.set('net.ipv4.ipfrag_high_thresh', 0);
    expect(net.sysctl.get('net.ipv4.ipfrag_high_thresh')).toBe(0);
    expect(() => net.sysctl.set('net.ipv4.ipfrag_max_dist', -1)).toThrow(/EINVAL/);
    net.sysctl.set('net.ipv4.ipfrag_time', '3');
    expect(() => net.sysctl.set('net.ipv4.ipfrag_time', 8589935)).toThrow(/EINVAL/);
    // a second netns starts from the defaults; the obsolete secret_interval is init-net only
    const net2 = kernel.createNetns({ clock });
    expect(net2.sysctl.get('net.ipv4.ipfrag_time')).toBe(30);
    expect(net2.sysctl.has('net.ipv4.ipfrag_secret_interval')).toBe(false);
  });

  it('unloads cleanly: hooks and knobs go', () => {
    const { kernel, net } = env();
    kernel.unload('nf_defrag_ipv4');
    expect(net.sysctl.has('net.ipv4.ipfrag_time')).toBe(false);
    expect(() => defragOf(net)).toThrow(/ENOENT/);
    const list = kernel.hooks.entries[NFPROTO_IPV4]![NF_INET_PRE_ROUTING]!;
    expect(list.some((o) => o.name === 'ipv4_conntrack_defrag')).toBe(false);
  });
});

describe('reassembly through the full pipeline', () => {
  it('passes non-fragments unchanged', () => {
    const { send, mib, skb } = env();
    const dg = udpDatagram(100);
    const r = send(dg.bytes, 0);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    expect(skb.data).toBe(dg.bytes);
    expect(mib.ReasmReqds).toBe(0);
  });

  it('in order: fragments are held, the last one continues as the whole datagram', () => {
    const { send, mib, skb, net, notifier } = env();
    const dg = udpDatagram(3000 - 8); // 3000 IP payload bytes: 1000 + 1000 + 1000 (+ none)
    const fr = fragments(dg, 1000);
    expect(fr).toHaveLength(3);
    for (const f of fr.slice(0, -1)) {
      const r = send(f, 0);
      expect(r.verdict).toBe(NF_STOLEN);
      expect(r.ctinfo).toBe(-2); // never reached the hooks after defrag
      expect(r.reason).toBe(DEFRAG_REASONS.queued);
    }
    const r = send(fr[2]!, 100);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    expect([...skb.data.subarray(skb.nhoff, skb.nhoff + skb.len)]).toEqual([...dg.bytes]);
    expect(skb.len).toBe(3020);
    const acct = getAcct(r.ct!)!;
    expect([acct.packets0, acct.bytes0]).toEqual([1, 3020]);
    expect(net.count).toBe(1);
    expect(notifier.events).toHaveLength(1);
    expect(mib).toEqual({ ReasmReqds: 3, ReasmOKs: 1, ReasmFails: 0, ReasmTimeout: 0, ReasmOverlaps: 0 });
    expect(defragOf(net).mem).toBe(0);
    expect(defragOf(net).count).toBe(0);
  });

  it('copies the bytes: the caller may reuse its buffer', () => {
    const { send, skb } = env();
    const dg = udpDatagram(64);
    const fr = fragments(dg, 32);
    const buf = new Uint8Array(200);
    for (const f of fr) {
      buf.fill(0xee);
      buf.set(f);
      send(buf.subarray(0, f.length), 0);
    }
    expect([...skb.data.subarray(0, skb.len)]).toEqual([...dg.bytes]);
  });

  it('out of order and with an exact duplicate', () => {
    const { send, mib, skb } = env();
    const dg = udpDatagram(200);
    const [a, b, c] = fragments(dg, 72);
    expect(send(c!, 0).verdict).toBe(NF_STOLEN);
    expect(send(a!, 0).verdict).toBe(NF_STOLEN);
    const dup = send(a!, 0);
    expect(dup.verdict).toBe(NF_STOLEN);
    expect(dup.reason).toBe(DEFRAG_REASONS.dup);
    const r = send(b!, 0);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect([...skb.data.subarray(0, skb.len)]).toEqual([...dg.bytes]);
    expect(mib).toEqual({ ReasmReqds: 4, ReasmOKs: 1, ReasmFails: 0, ReasmTimeout: 0, ReasmOverlaps: 0 });
  });

  it('a fragment inside already received data is a duplicate (queue kept)', () => {
    const { send, mib } = env();
    const dg = udpDatagram(56); // 64 payload bytes
    expect(send(frag(dg, 0, 32), 0).verdict).toBe(NF_STOLEN);
    expect(send(frag(dg, 8, 16, true), 0).reason).toBe(DEFRAG_REASONS.dup);
    expect(send(frag(dg, 32, 32), 0).verdict).toBe(NF_ACCEPT);
    expect(mib.ReasmFails).toBe(0);
  });

  it('a partial overlap discards the whole queue; later fragments open a new one', () => {
    const { send, mib, net } = env();
    const dg = udpDatagram(56);
    send(frag(dg, 0, 32), 0);
    const r = send(frag(dg, 24, 16, true), 0);
    expect(r.verdict).toBe(NF_STOLEN);
    expect(r.reason).toBe(DEFRAG_REASONS.overlap);
    expect(mib.ReasmOverlaps).toBe(1);
    expect(mib.ReasmFails).toBe(1);
    expect(defragOf(net).count).toBe(0);
    // the rest of the datagram only starts a new queue: nothing tracked
    expect(send(frag(dg, 32, 32), 0).verdict).toBe(NF_STOLEN);
    expect(defragOf(net).count).toBe(1);
    expect(net.count).toBe(0);
  });

  it('a fragment spanning two adjacent runs is an overlap, though every byte is there', () => {
    const { send, mib } = env();
    const dg = udpDatagram(88); // 96 payload bytes
    send(frag(dg, 0, 16), 0);
    send(frag(dg, 32, 16), 0); // gap ⇒ a new run
    send(frag(dg, 16, 16), 0); // fills the gap as its own run
    expect(send(frag(dg, 8, 32, true), 0).reason).toBe(DEFRAG_REASONS.overlap);
    expect(mib.ReasmOverlaps).toBe(1);
  });

  it('tiny first fragments: a TCP SYN split 8 + 12 creates SYN_SENT', () => {
    const { send } = env();
    const whole = tcpPacket(CLI, SRV, { sport: 40000, dport: 80, flags: 'S', seq: 1 }, { id: 77 });
    const payload = whole.subarray(20);
    const f1 = ipv4({ src: CLI, dst: SRV, proto: 6, id: 77, payload: payload.subarray(0, 8), mf: true });
    const f2 = ipv4({ src: CLI, dst: SRV, proto: 6, id: 77, payload: payload.subarray(8), fragOffset: 8 });
    expect(send(f1, 0).verdict).toBe(NF_STOLEN);
    const r = send(f2, 0);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    expect(r.ct!.l4proto.printConntrack!(r.ct!)).toBe('SYN_SENT');
  });

  it('ICMP echo in fragments: one conn, acct counts whole datagrams', () => {
    const { send, net } = env();
    const payload = new Uint8Array(3000);
    const mk = (type: number, id: number, src: string, dst: string) => {
      const icmpBody = new Uint8Array(3008);
      icmpBody[0] = type;
      icmpBody[4] = 0x02;
      icmpBody[5] = 0x7d;
      icmpBody[7] = 1;
      icmpBody.set(payload, 8);
      let s = 0;
      for (let i = 0; i < icmpBody.length; i += 2) s += (icmpBody[i]! << 8) | icmpBody[i + 1]!;
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      const c = ~s & 0xffff;
      icmpBody[2] = c >> 8;
      icmpBody[3] = c & 0xff;
      return {
        bytes: ipv4({ src, dst, proto: 1, id, payload: icmpBody }),
        spec: { src, dst, proto: 1, id, payload: icmpBody },
      };
    };
    const req = mk(8, 1, CLI, SRV);
    const rep = mk(0, 2, SRV, CLI);
    let last = send(fragments(req, 1480)[0]!, 0);
    for (const f of fragments(req, 1480).slice(1)) last = send(f, 0);
    expect(last.ctinfo).toBe(IP_CT_NEW);
    for (const f of fragments(rep, 1480)) last = send(f, 1000, 'output');
    expect(last.ctinfo).toBe(3);
    const acct = getAcct(last.ct!)!;
    expect([acct.packets0, acct.bytes0, acct.packets1, acct.bytes1]).toEqual([1, 3028, 1, 3028]);
    expect(net.count).toBe(1);
  });
});

describe('header of the reassembled datagram (docs/defrag.md §6)', () => {
  it('ECN: Not-ECT with ECT(0) fails; ECT(0) with CE gives CE', () => {
    const { send, mib, skb } = env();
    const dg = udpDatagram(56);
    send(frag(dg, 0, 32, undefined, { tos: 0 }), 0);
    const r = send(frag(dg, 32, 32, undefined, { tos: 2 }), 0);
    expect(r.verdict).toBe(NF_STOLEN);
    expect(r.reason).toBe(DEFRAG_REASONS.ecn);
    expect(mib.ReasmFails).toBe(1);
    const dg2 = udpDatagram(56, 2);
    send(frag(dg2, 0, 32, undefined, { tos: 2 }), 0);
    expect(send(frag(dg2, 32, 32, undefined, { tos: 3 }), 0).verdict).toBe(NF_ACCEPT);
    expect(skb.data[1]).toBe(3);
  });

  it('DF kept only when the largest fragment had DF; checksum recomputed; TTL and id of the first', () => {
    const { send, skb } = env();
    const dg = udpDatagram(56, 0x4242);
    send(frag(dg, 32, 32, undefined, { df: true, ttl: 9 }), 0);
    send(frag(dg, 0, 32, undefined, { df: true, ttl: 50 }), 0);
    expect((skb.data[6]! << 8) | skb.data[7]!).toBe(0x4000);
    expect(skb.data[8]).toBe(50);
    expect((skb.data[4]! << 8) | skb.data[5]!).toBe(0x4242);
    let s = 0;
    for (let i = 0; i < 20; i += 2) s += (skb.data[i]! << 8) | skb.data[i + 1]!;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    expect(s).toBe(0xffff);
    const dg2 = udpDatagram(56, 0x4343);
    send(frag(dg2, 0, 32, undefined, { df: true }), 0);
    send(frag(dg2, 32, 32), 0); // same size, no DF: max_df_size == max_size still
    expect(skb.data[6]).toBe(0x40);
    const dg3 = udpDatagram(56, 0x4444);
    send(frag(dg3, 0, 16, undefined, { df: true }), 0);
    send(frag(dg3, 16, 48), 0); // the largest fragment had no DF
    expect(skb.data[6]).toBe(0);
  });

  it('exactly 65535 bytes reassemble (45 fragments); 65544 are oversized', () => {
    const { send, mib, skb, kernel } = env();
    const dg = udpDatagram(65535 - 28, 9);
    const all = fragments(dg, 1480);
    let r = send(all[0]!, 0);
    for (const f of all.slice(1)) r = send(f, 0);
    expect(fragments(dg, 1480)).toHaveLength(45);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(skb.len).toBe(65535);
    expect(getAcct(r.ct!)!.bytes0).toBe(65535);
    // offset 65528 + 16 bytes: 65544 payload bytes
    const big = new Uint8Array(65544);
    const hdr = { src: CLI, dst: SRV, proto: 17, id: 10 };
    for (let off = 0; off < 65528; off += 1480)
      send(
        ipv4({ ...hdr, payload: big.subarray(off, Math.min(off + 1480, 65528)), fragOffset: off, mf: true }),
        0,
      );
    r = send(ipv4({ ...hdr, payload: big.subarray(65528), fragOffset: 65528 }), 0);
    expect(r.verdict).toBe(NF_STOLEN);
    expect(r.reason).toBe(DEFRAG_REASONS.oversize);
    expect(mib.ReasmFails).toBe(1);
    expect(kernel.logs).toContain('Oversized IP packet from 198.18.0.1');
  });
});

describe('per-fragment rules (docs/defrag.md §5)', () => {
  it('a last fragment ending before data already seen, or a second different end, discards the queue', () => {
    const { send, mib } = env();
    const dg = udpDatagram(120); // 128 payload bytes
    send(frag(dg, 64, 32, true), 0); // data up to 96
    expect(send(frag(dg, 32, 32, false), 0).reason).toBe(DEFRAG_REASONS.bad); // ends at 64
    expect(mib.ReasmFails).toBe(1);
    send(frag(dg, 96, 32), 0); // LAST_IN, len 128
    expect(send(frag(dg, 64, 16, false), 0).reason).toBe(DEFRAG_REASONS.bad);
    expect(mib.ReasmFails).toBe(2);
  });

  it('a non-last fragment beyond a known end discards; non-multiple-of-8 tails are cut; empty ones discard', () => {
    const { send, mib, net, skb } = env();
    const dg = udpDatagram(120);
    send(frag(dg, 96, 32), 0); // last: len 128
    const beyond = ipv4({
      src: CLI,
      dst: SRV,
      proto: 17,
      id: 0x1234,
      payload: new Uint8Array(16),
      fragOffset: 120,
      mf: true,
    });
    expect(send(beyond, 0).reason).toBe(DEFRAG_REASONS.bad);
    expect(mib.ReasmFails).toBe(1);
    // 13 bytes with MF: end rounded down to 8, tail byte dropped
    const dg2 = udpDatagram(12, 3); // 20 payload bytes
    send(frag(dg2, 0, 13, true), 0);
    expect(defragOf(net).count).toBe(1);
    const r = send(frag(dg2, 8, 12), 0);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect([...skb.data.subarray(0, skb.len)]).toEqual([...dg2.bytes]);
    // under 8 bytes with MF: empty after rounding
    expect(send(frag(udpDatagram(12, 4), 0, 7, true), 0).reason).toBe(DEFRAG_REASONS.bad);
    expect(mib.ReasmFails).toBe(2);
  });

  it('max_dist: 60 foreign fragments from the source in between are fine, 70 reinit the queue', () => {
    for (const [n, ok] of [
      [60, true],
      [70, false],
    ] as const) {
      const { send, mib } = env();
      const dg = udpDatagram(56, 1);
      send(frag(dg, 0, 32), 0);
      for (let i = 0; i < n; i++) send(frag(udpDatagram(56, 100 + i), 0, 32), 0);
      const fails = mib.ReasmFails;
      const r = send(frag(dg, 32, 32), 0);
      expect(r.verdict).toBe(ok ? NF_ACCEPT : NF_STOLEN);
      expect(mib.ReasmFails - fails).toBe(ok ? 0 : 1);
    }
  });

  it('max_dist 0 disables the check', () => {
    const { send, net } = env();
    net.sysctl.set('net.ipv4.ipfrag_max_dist', 0);
    const dg = udpDatagram(56, 1);
    send(frag(dg, 0, 32), 0);
    for (let i = 0; i < 100; i++) send(frag(udpDatagram(56, 100 + i), 0, 32), 0);
    expect(send(frag(dg, 32, 32), 0).verdict).toBe(NF_ACCEPT);
  });
});

describe('queue key and hooks (docs/defrag.md §1-§2)', () => {
  it('LOCAL_OUT (CONNTRACK_OUT) and PRE_ROUTING (CONNTRACK_IN) never share a queue', () => {
    const { send, dn } = env();
    const dg = udpDatagram(56);
    send(frag(dg, 0, 32), 0, 'input');
    expect(send(frag(dg, 32, 32), 0, 'output').verdict).toBe(NF_STOLEN);
    expect(dn.queues().map((k) => k.user)).toEqual([IP_DEFRAG_CONNTRACK_IN, IP_DEFRAG_CONNTRACK_OUT]);
    const r = send(frag(dg, 0, 32), 0, 'output');
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_NEW);
  });

  it('the zone is part of the key; ids and protocols too', () => {
    const { net, dn } = env();
    const skb = new Skb();
    const dg = udpDatagram(56);
    const f = frag(dg, 0, 32);
    skb.set(f, 0, f.length, 0);
    skb.zone = 5;
    net.input(skb);
    skb.set(f, 0, f.length, 0);
    skb.zone = 0;
    net.input(skb);
    const other = frag(udpDatagram(56, 0x9999), 0, 32);
    skb.set(other, 0, other.length, 0);
    net.input(skb);
    expect(dn.queues().map((k) => [k.user, k.id])).toEqual([
      [IP_DEFRAG_CONNTRACK_IN + 5, 0x1234],
      [IP_DEFRAG_CONNTRACK_IN, 0x1234],
      [IP_DEFRAG_CONNTRACK_IN, 0x9999],
    ]);
  });

  it('untracked packets (notrack before -400) pass as they are', () => {
    const { net } = env();
    const f = frag(udpDatagram(56), 0, 32);
    const skb = new Skb().set(f, 0, f.length, 0);
    skb.ctinfo = IP_CT_UNTRACKED;
    expect(ipv4ConntrackDefrag(skb, { hook: NF_INET_PRE_ROUTING, pf: NFPROTO_IPV4, net })).toBe(NF_ACCEPT);
  });
});

describe('timeout (docs/defrag.md §7)', () => {
  it('expires at exactly ipfrag_time after creation, not extended by later fragments', () => {
    const { send, at, mib, dn } = env();
    const reports: ReasmTimeoutReport[] = [];
    dn.onTimeout.push((r) => reports.push(r));
    dn.isLocal = (a) => a >>> 0 === 0xc6120002;
    const dg = udpDatagram(3000 - 8);
    const fr = fragments(dg, 1000);
    send(fr[0]!, 0);
    send(fr[1]!, 10 * SEC);
    at(30 * SEC - 1);
    expect(dn.count).toBe(1);
    expect(mib.ReasmTimeout).toBe(0);
    at(30 * SEC);
    expect(dn.count).toBe(0);
    expect(dn.mem).toBe(0);
    expect(mib).toEqual({ ReasmReqds: 2, ReasmOKs: 0, ReasmFails: 1, ReasmTimeout: 1, ReasmOverlaps: 0 });
    expect(reports).toHaveLength(1);
    const rep = reports[0]!;
    expect(rep.at).toBe((30 * SEC) / J);
    expect(rep.firstFragmentSeen).toBe(true);
    expect(rep.destinationIsLocal).toBe(true);
    expect(rep.sendsIcmp).toBe(true);
    expect([...rep.firstFragment!]).toEqual([...fr[0]!]);
    // the last fragment now opens a new queue
    expect(send(fr[2]!, 31 * SEC).verdict).toBe(NF_STOLEN);
  });

  it('no ICMP without the first fragment, or for a forwarded datagram', () => {
    const { send, at, dn } = env();
    const reports: ReasmTimeoutReport[] = [];
    dn.onTimeout.push((r) => reports.push(r));
    send(frag(udpDatagram(56, 1), 32, 32), 0);
    send(frag(udpDatagram(56, 2), 0, 32), 0);
    at(31 * SEC);
    expect(
      reports.map((r) => [r.key.id, r.firstFragmentSeen, r.sendsIcmp, r.firstFragment === null]),
    ).toEqual([
      [1, false, false, true],
      [2, true, false, false],
    ]);
  });

  it('follows net.ipv4.ipfrag_time at queue creation', () => {
    const { send, at, net, dn } = env();
    net.sysctl.set('net.ipv4.ipfrag_time', 3);
    send(frag(udpDatagram(56, 1), 0, 32), 1000);
    net.sysctl.set('net.ipv4.ipfrag_time', 30);
    send(frag(udpDatagram(56, 2), 0, 32), 2000);
    // both created in jiffy 0: the first is due at jiffy 750 (3 s), the second at 30 s
    at(3 * SEC - 1);
    expect(dn.count).toBe(2);
    at(3 * SEC);
    expect(dn.count).toBe(1);
  });
});

describe('memory (docs/defrag.md §4)', () => {
  it('over high_thresh every fragment is dropped, even for an existing queue; no eviction', () => {
    const { send, net, mib, dn, at } = env();
    net.sysctl.set('net.ipv4.ipfrag_low_thresh', 1000);
    net.sysctl.set('net.ipv4.ipfrag_high_thresh', 4000);
    const dgs = [1, 2, 3, 4, 5, 6].map((id) => udpDatagram(56, id));
    for (const dg of dgs) send(frag(dg, 0, 32), 0);
    expect(dn.mem).toBeGreaterThan(4000);
    const r = send(frag(dgs[0]!, 32, 32), 0);
    expect(r.verdict).toBe(NF_STOLEN);
    expect(r.reason).toBe(DEFRAG_REASONS.mem);
    expect(mib.ReasmOKs).toBe(0);
    expect(net.count).toBe(0);
    at(30 * SEC);
    expect(dn.mem).toBe(0);
    expect(mib.ReasmTimeout).toBe(dn.queues().length + mib.ReasmTimeout);
  });

  it('high_thresh 0 drops every fragment', () => {
    const { send, net, mib } = env();
    net.sysctl.set('net.ipv4.ipfrag_low_thresh', 0);
    net.sysctl.set('net.ipv4.ipfrag_high_thresh', 0);
    expect(send(frag(udpDatagram(56), 0, 32), 0).reason).toBe(DEFRAG_REASONS.mem);
    expect(mib).toMatchObject({ ReasmReqds: 1, ReasmFails: 1 });
  });
});

describe('properties', () => {
  it(
    'any permutation of the fragments (with duplicates) reassembles to the original bytes',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4000 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.infiniteStream(fc.nat()),
          fc.array(fc.nat(), { maxLength: 3 }),
          (n, units, id, seeds, dups) => {
            const { send, skb, mib } = env();
            const dg = udpDatagram(n, id);
            const fr = fragments(dg, units * 8);
            const order = fr.map((_, i) => i);
            const it = seeds[Symbol.iterator]();
            for (let i = order.length - 1; i > 0; i--) {
              const j = it.next().value! % (i + 1);
              [order[i], order[j]] = [order[j]!, order[i]!];
            }
            // exact duplicates of already sent fragments are ignored
            const seq = [...order];
            for (const d of dups) if (seq.length > 1) seq.splice(1 + (d % (seq.length - 1)), 0, seq[0]!);
            let r = send(fr[seq[0]!]!, 0);
            for (const i of seq.slice(1)) r = send(fr[i]!, 0);
            expect(r.verdict).toBe(NF_ACCEPT);
            expect([...skb.data.subarray(skb.nhoff, skb.nhoff + skb.len)]).toEqual([...dg.bytes]);
            expect(mib.ReasmOKs).toBe(fr.length > 1 ? 1 : 0);
          },
        ),
        { numRuns: 60 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'hostile fragment sequences: verdicts and counters, never an exception, memory bounded and freed',
    () => {
      const fragArb = fc.record({
        id: fc.integer({ min: 0, max: 3 }),
        proto: fc.constantFrom(6, 17, 1, 253),
        off: fc.integer({ min: 0, max: 0x1fff }),
        len: fc.integer({ min: 0, max: 1500 }),
        mf: fc.boolean(),
        df: fc.boolean(),
        tos: fc.integer({ min: 0, max: 3 }),
        out: fc.boolean(),
        dt: fc.integer({ min: 0, max: 5 * SEC }),
      });
      fc.assert(
        fc.property(fc.array(fragArb, { maxLength: 80 }), fc.integer({ min: 0, max: 20000 }), (seq, high) => {
          const { send, net, dn, at, mib } = env();
          net.sysctl.set('net.ipv4.ipfrag_low_thresh', 0);
          net.sysctl.set('net.ipv4.ipfrag_high_thresh', high);
          let t = 0;
          let maxMem = 0;
          for (const f of seq) {
            t += f.dt;
            const p = new Uint8Array(f.len);
            const pkt = ipv4({
              src: CLI,
              dst: SRV,
              proto: f.proto,
              id: f.id,
              payload: p,
              fragOffset: f.off * 8,
              mf: f.mf,
              df: f.df,
              tos: f.tos,
            });
            const r = send(pkt, t, f.out ? 'output' : 'input');
            expect([NF_ACCEPT, NF_STOLEN]).toContain(r.verdict);
            maxMem = Math.max(maxMem, dn.mem);
          }
          expect(maxMem).toBeLessThanOrEqual(high + 200 + 768 + 2048);
          expect(mib.ReasmOKs + mib.ReasmFails).toBeLessThanOrEqual(mib.ReasmReqds);
          at(t + 31 * SEC);
          expect(dn.count).toBe(0);
          expect(dn.mem).toBe(0);
        }),
        { numRuns: 80 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
