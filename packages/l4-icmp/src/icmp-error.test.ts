import {
  IP_CT_INVALID,
  IP_CT_NEW,
  IP_CT_RELATED,
  IP_CT_RELATED_REPLY,
  IPCT_NEW,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
} from '@ctrack/core';
import { icmpPacket, ipv4, udpPacket } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { icmpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';
const THIRD = '198.19.20.99';
const aToB = udpPacket(A, B, { sport: 40000, dport: 5001, payload: new Uint8Array(10) });
const bToA = udpPacket(B, A, { sport: 5001, dport: 40000, payload: new Uint8Array(10) });
/** What an ICMP error quotes: the IP header and the first 8 bytes after it. */
const quote = (p: Uint8Array, n = 28) => p.slice(0, n);
const err = (src: string, dst: string, quoted: Uint8Array, type = 3, code = 3) =>
  icmpPacket(src, dst, { type, code, payload: quoted });

function tracked() {
  const h = setup([udpModule, icmpModule]);
  const ct = h.send(aToB, 0).ct!;
  return { ...h, ct };
}

describe('ICMP errors (docs/udp-icmp-generic.md §2.4)', () => {
  it('port unreachable from B to A quoting the A→B datagram ⇒ RELATED_REPLY, no counter', () => {
    const { net, send, ct } = tracked();
    const r = send(err(B, A, quote(aToB)), 1 * SEC);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(r.ct).toBe(ct);
    expect(net.stats.error).toBe(0);
    expect(net.stats.invalid).toBe(0);
    expect(net.count).toBe(1);
  });

  it('"the related conn\'s [UNREPLIED] flag and timer are unchanged"; "conntrack -E shows nothing"', () => {
    const { net, send, ct, notifier } = tracked();
    net.sysctl.set('nf_conntrack_acct', 0);
    const deadline = ct.timeout;
    send(err(B, A, quote(aToB)), 10 * SEC);
    expect(ct.status & IPS_SEEN_REPLY).toBe(0);
    expect(ct.timeout).toBe(deadline);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW]);
  });

  it('errors are not accounted (no l4 packet() call)', () => {
    const h = setup([udpModule, icmpModule]);
    h.net.sysctl.set('nf_conntrack_acct', 1);
    const ct = h.send(aToB, 0).ct!;
    h.send(err(B, A, quote(aToB)), SEC);
    const acct = ct.ext![3] as { packets0: number; packets1: number };
    expect([acct.packets0, acct.packets1]).toEqual([1, 0]);
  });

  it('error from A to B quoting a B→A packet ⇒ RELATED (hit on the ORIGINAL tuple)', () => {
    const { send, ct } = tracked();
    const r = send(err(A, B, quote(bToA)), SEC, 'output');
    expect(r.ctinfo).toBe(IP_CT_RELATED);
    expect(r.ct).toBe(ct);
  });

  it('"third-party address 198.19.20.99 to A … RELATED_REPLY (source address is not checked)"', () => {
    const { send, ct } = tracked();
    const r = send(err(THIRD, A, quote(aToB), 11, 0), SEC);
    expect(r.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(r.ct).toBe(ct);
  });

  it('"All five error types behave the same [obs] (3/1, 3/3, 4/0, 5/1, 11/0, 11/1, 12/0)"', () => {
    const { send, ct } = tracked();
    for (const [type, code] of [
      [3, 1],
      [3, 3],
      [4, 0],
      [5, 1],
      [11, 0],
      [11, 1],
      [12, 0],
    ]) {
      const r = send(err(B, A, quote(aToB), type, code), SEC);
      expect(r.ctinfo, `${type}/${code}`).toBe(IP_CT_RELATED_REPLY);
      expect(r.ct).toBe(ct);
    }
  });

  it('"4 bytes suffice": a quote with only the UDP ports still matches', () => {
    const { send, ct } = tracked();
    expect(send(err(B, A, quote(aToB, 24)), SEC).ct).toBe(ct);
  });

  it('a third port byte only (23 bytes quoted) gives no tuple ⇒ error', () => {
    const { net, send } = tracked();
    expect(send(err(B, A, quote(aToB, 23)), SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
  });

  it('"ICMP port-unreachable quoting an unknown flow ⇒ error": INVALID, error++, not invalid++', () => {
    const { net, send } = tracked();
    const other = udpPacket(A, B, { sport: 40001, dport: 5001 });
    const r = send(err(B, A, quote(other)), SEC);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
    expect(net.stats.invalid).toBe(0);
    expect(net.count).toBe(1);
  });

  it('"error from A to B quoting A→B ⇒ invalid": outer daddr X != inner Y', () => {
    const { net, send } = tracked();
    const r = send(err(A, B, quote(aToB)), SEC, 'output');
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('outer daddr 198.19.20.1 != inner 198.19.10.1');
    expect(net.stats.error).toBe(1);
  });

  it('an error never creates a conn, even when nothing matches', () => {
    const { net, send } = setup([udpModule, icmpModule]);
    send(err(B, A, quote(aToB)), 0);
    expect(net.count).toBe(0);
    expect(net.stats.error).toBe(1);
  });

  it('bad checksum on an error at PRE_ROUTING ⇒ "bad hw icmp checksum", error++', () => {
    const { net, send } = tracked();
    const bad = icmpPacket(B, A, { type: 3, code: 3, payload: quote(aToB), badChecksum: true });
    const r = send(bad, SEC);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('bad hw icmp checksum');
    expect(net.stats.error).toBe(1);
  });

  it('a quoted non-first fragment gives no tuple ⇒ error', () => {
    const { net, send } = tracked();
    const frag = ipv4({ src: A, dst: B, proto: 17, payload: aToB.slice(20, 28), fragOffset: 8 });
    expect(send(err(B, A, frag), SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
  });

  it('a quoted header shorter than 20 bytes ⇒ error', () => {
    const { net, send } = tracked();
    expect(send(err(B, A, quote(aToB, 19)), SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
  });

  it('a quoted ihl beyond the packet ⇒ error', () => {
    const { net, send } = tracked();
    const q = quote(aToB, 20);
    q[0] = 0x4f; // ihl 60 bytes, only 20 present
    expect(send(err(B, A, q), SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
  });

  it('time exceeded quoting an echo request ⇒ RELATED_REPLY on the ping conn (inner ICMP tuple)', () => {
    const { send } = setup([icmpModule]);
    const echo = icmpPacket(A, B, { type: 8, id: 777, seq: 1 });
    const ct = send(echo, 0).ct!;
    const r = send(err('198.19.10.254', A, quote(echo), 11, 0), SEC);
    expect(r.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(r.ct).toBe(ct);
  });

  it('an error quoting an ICMP error cannot be inverted ⇒ error', () => {
    const { net, send } = tracked();
    const inner = err(B, A, quote(aToB));
    expect(send(err(A, B, quote(inner)), SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(net.stats.error).toBe(1);
  });

  it('a protocol without a tracker is quoted by address only (generic tuple)', () => {
    const { send } = setup([icmpModule]);
    const gre = ipv4({ src: A, dst: B, proto: 47, payload: new Uint8Array(8) });
    const ct = send(gre, 0).ct!;
    expect(ct.l4proto.name).toBe('unknown');
    expect(send(err(B, A, quote(gre)), SEC).ct).toBe(ct);
  });

  it('the error stays in its zone: a conn in zone 7 is not found from zone 0', () => {
    const h = setup([udpModule, icmpModule]);
    h.skb.zone = 7;
    const ct = h.send(aToB, 0).ct!;
    h.skb.zone = 0;
    expect(h.send(err(B, A, quote(aToB)), SEC).ctinfo).toBe(IP_CT_INVALID);
    h.skb.zone = 7;
    expect(h.send(err(B, A, quote(aToB)), SEC).ct).toBe(ct);
  });

  it('after an error the flow goes on normally (the reply is the first to set SEEN_REPLY)', () => {
    const { send, ct } = tracked();
    send(err(B, A, quote(aToB)), SEC);
    expect(send(aToB, 2 * SEC).ctinfo).toBe(IP_CT_NEW);
    send(bToA, 3 * SEC);
    expect(ct.status & IPS_SEEN_REPLY).toBeTruthy();
  });
});
