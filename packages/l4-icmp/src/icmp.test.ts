import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_REPLY,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
} from '@ctrack/core';
import { icmpPacket, ipv4 } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { describe, expect, it } from 'vitest';
import { icmpL4Proto, icmpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';
const ping = (id: number, seq: number, code = 0) => icmpPacket(A, B, { type: 8, code, id, seq });
const pong = (id: number, seq: number, code = 0) => icmpPacket(B, A, { type: 0, code, id, seq });

describe('ICMP queries (docs/udp-icmp-generic.md §2.1, §2.3)', () => {
  it('"ping -c 2": [NEW] type=8 … [UNREPLIED] type=0, one [UPDATE], no event for the second pair', () => {
    const { net, send, notifier } = setup([icmpModule]);
    const r = send(ping(10294, 1), 0);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    const ct = r.ct!;
    expect(ct.l4proto.name).toBe('icmp');
    // Tuple: id in sport, (type << 8) | code in dport; the reply tuple has type 0.
    expect(icmpL4Proto.printTuple!(ct.orig)).toBe('type=8 code=0 id=10294 ');
    expect(icmpL4Proto.printTuple!(ct.reply)).toBe('type=0 code=0 id=10294 ');
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    const r2 = send(pong(10294, 1), 0.001 * SEC);
    expect(r2.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ct.status & IPS_SEEN_REPLY).toBeTruthy();
    // "The conn is not deleted when the reply arrives"
    expect(net.count).toBe(1);
    const r3 = send(ping(10294, 2), 1 * SEC);
    expect(r3.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(r3.ct).toBe(ct);
    send(pong(10294, 2), 1.001 * SEC);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW, IPCT_REPLY]);
    // "never ASSURED"; 30 s from the last packet, then [DESTROY] at expiry only.
    expect(ct.status & IPS_ASSURED).toBe(0);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
  });

  it('every accepted packet re-arms nf_conntrack_icmp_timeout; expiry is the only end', () => {
    const { net, send, at, notifier } = setup([icmpModule]);
    net.sysctl.set('nf_conntrack_icmp_timeout', 12);
    const ct = send(ping(77, 1), 0).ct!;
    expect(ct.timeout - net.jiffies).toBe(12 * 250);
    send(pong(77, 1), 5 * SEC);
    at(17 * SEC - 1);
    expect(net.count).toBe(1);
    at(17 * SEC);
    expect(net.count).toBe(0);
    expect(notifier.events.at(-1)).toMatchObject({ ct, bits: IPCT_DESTROY });
  });

  it('"3 pings ⇒ packets=3 bytes=252" (acct, docs/core.md §9)', () => {
    const { net, send } = setup([icmpModule]);
    net.sysctl.set('nf_conntrack_acct', 1);
    const big = (seq: number) => icmpPacket(A, B, { type: 8, id: 5, seq, payload: new Uint8Array(56) });
    const ct = send(big(1), 0).ct!;
    send(big(2), SEC);
    send(big(3), 2 * SEC);
    const acct = ct.ext![3] as { packets0: number; bytes0: number };
    expect([acct.packets0, acct.bytes0]).toEqual([3, 252]);
  });

  it('"[obs] first packet of type 0, 14, 16, 18, 9, 10 ⇒ invalid" (counted invalid, not error)', () => {
    const { net, send } = setup([icmpModule]);
    for (const type of [0, 14, 16, 18, 9, 10]) {
      const r = send(icmpPacket(B, A, { type, id: 1 }), 0);
      expect(r.ctinfo, `type ${type}`).toBe(IP_CT_INVALID);
      expect(r.verdict).toBe(NF_ACCEPT);
    }
    expect(net.count).toBe(0);
    expect(net.stats.invalid).toBe(6);
    expect(net.stats.error).toBe(0);
  });

  it('a lone echo reply is refused as "can\'t create new conn"', () => {
    const { send } = setup([icmpModule]);
    expect(send(pong(9, 1), 0).reason).toBe("can't create new conn");
  });

  it('"8, 13, 15, 17 ⇒ new conn", each answered by its inverse type', () => {
    const { net, send } = setup([icmpModule]);
    const pairs = [
      [8, 0],
      [13, 14],
      [15, 16],
      [17, 18],
    ];
    for (const [q, a] of pairs) {
      const r = send(icmpPacket(A, B, { type: q!, id: 100 + q! }), 0);
      expect(r.ctinfo, `type ${q}`).toBe(IP_CT_NEW);
      const r2 = send(icmpPacket(B, A, { type: a!, id: 100 + q! }), 0.1 * SEC);
      expect(r2.ctinfo, `reply type ${a}`).toBe(IP_CT_ESTABLISHED_REPLY);
      expect(r2.ct).toBe(r.ct);
    }
    expect(net.count).toBe(4);
  });

  it('"request code 5, reply code 0 ⇒ invalid; reply code 5 ⇒ established"', () => {
    const { net, send } = setup([icmpModule]);
    send(ping(42, 1, 5), 0);
    expect(send(pong(42, 1, 0), 0.1 * SEC).ctinfo).toBe(IP_CT_INVALID);
    expect(send(pong(42, 1, 5), 0.2 * SEC).ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(net.count).toBe(1);
  });

  it('a reply with another id is a different tuple ⇒ invalid', () => {
    const { send } = setup([icmpModule]);
    send(ping(42, 1), 0);
    expect(send(pong(43, 1), 0.1 * SEC).ctinfo).toBe(IP_CT_INVALID);
  });

  it('sequence numbers are not part of the tuple', () => {
    const { net, send } = setup([icmpModule]);
    const ct = send(ping(1, 1), 0).ct;
    expect(send(ping(1, 999), 0.1 * SEC).ct).toBe(ct);
    expect(net.count).toBe(1);
  });
});

describe('ICMP checks before tracking (docs/udp-icmp-generic.md §2.2): INVALID, counted error', () => {
  it('step 1: fewer than 8 ICMP bytes ⇒ "short packet"', () => {
    const { net, send } = setup([icmpModule]);
    const r = send(ipv4({ src: A, dst: B, proto: 1, payload: new Uint8Array([8, 0, 0xf7, 0xff, 0, 0]) }), 0);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('short packet');
    expect(net.stats.error).toBe(1);
    expect(net.stats.invalid).toBe(0);
  });

  it('step 2: "ICMP echo with bad checksum at PRE_ROUTING ⇒ error", log "bad hw icmp checksum"', () => {
    const { net, send } = setup([icmpModule]);
    const bad = icmpPacket(A, B, { type: 8, id: 3, badChecksum: true });
    const r = send(bad, 0);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('bad hw icmp checksum');
    expect(net.stats.error).toBe(1);
    expect(net.count).toBe(0);
    // Not checked on LOCAL_OUT, nor with nf_conntrack_checksum=0.
    expect(send(bad, 0, 'output').ctinfo).toBe(IP_CT_NEW);
    net.sysctl.set('nf_conntrack_checksum', 0);
    expect(send(icmpPacket(A, B, { type: 8, id: 4, badChecksum: true }), 0).ctinfo).toBe(IP_CT_NEW);
  });

  it('step 3: "[obs] 19, 40" ⇒ "invalid icmp type"', () => {
    const { net, send } = setup([icmpModule]);
    for (const type of [19, 40]) {
      const r = send(icmpPacket(A, B, { type, id: 1 }), 0);
      expect(r.ctinfo).toBe(IP_CT_INVALID);
      expect(r.reason).toBe('invalid icmp type');
    }
    expect(net.stats.error).toBe(2);
    expect(net.stats.invalid).toBe(0);
  });
});
