import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IPCT_ASSURED,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_REPLY,
  IPS_ASSURED,
  IPS_NAT_CLASH,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
} from '@ctrack/core';
import { ipv4, udpPacket } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { describe, expect, it } from 'vitest';
import { udpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';
const req = (extra = {}) =>
  udpPacket(A, B, { sport: 40000, dport: 5001, payload: new Uint8Array(10), ...extra });
const rep = (extra = {}) =>
  udpPacket(B, A, { sport: 5001, dport: 40000, payload: new Uint8Array(10), ...extra });

describe('UDP timeouts and ASSURED (docs/udp-icmp-generic.md §1.2, 6.x rule)', () => {
  it('one-way flow: "[NEW] udp 17 30 … [UNREPLIED]", stays 30 s and unassured, expires at 30 s', () => {
    const { net, send, at, notifier, secondsLeft } = setup([udpModule]);
    const r = send(req(), 0);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    const ct = r.ct!;
    expect(ct.l4proto.name).toBe('udp');
    expect([ct.orig.sport, ct.orig.dport, ct.reply.sport, ct.reply.dport]).toEqual([
      40000, 5001, 5001, 40000,
    ]);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW]);
    // "a one-way flow stays 30 s / unassured forever": more packets long after 2 s.
    const r2 = send(req(), 10 * SEC);
    expect(r2.ctinfo).toBe(IP_CT_NEW);
    expect(secondsLeft(ct)).toBe(30);
    expect(ct.status & (IPS_ASSURED | IPS_SEEN_REPLY)).toBe(0);
    expect(notifier.events).toHaveLength(1);
    at(40 * SEC - 1);
    expect(net.count).toBe(1);
    at(40 * SEC);
    expect(net.count).toBe(0);
    expect(notifier.events.at(-1)!.bits).toBe(IPCT_DESTROY);
  });

  it('"the first reply itself only clears [UNREPLIED] (timeout 30)": [UPDATE] with IPCT_REPLY only', () => {
    const { net, send, notifier } = setup([udpModule]);
    const ct = send(req(), 0).ct!;
    const r = send(rep(), 5 * SEC); // long after 2 s: still only REPLY, 30 s
    expect(r.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ct.status & IPS_SEEN_REPLY).toBeTruthy();
    expect(ct.status & IPS_ASSURED).toBe(0);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW, IPCT_REPLY]);
    // "a reply first seen after 2.5 s gives 30, the next packet gives 120 + ASSURED"
    const r2 = send(req(), 6 * SEC);
    expect(r2.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(ct.timeout - net.jiffies).toBe(120 * 250);
    expect(ct.status & IPS_ASSURED).toBeTruthy();
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW, IPCT_REPLY, IPCT_ASSURED]);
    // ASSURED is raised once.
    send(rep(), 7 * SEC);
    expect(notifier.events).toHaveLength(3);
    expect(ct.timeout - net.jiffies).toBe(120 * 250);
  });

  it('"now > stream_ts" needs at least one jiffy past creation + 2 s: exactly 2·HZ is not enough', () => {
    const { net, send, notifier } = setup([udpModule]);
    const ct = send(req(), 0).ct!;
    send(rep(), 1 * SEC);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    // creation jiffy + 500 exactly: time_after is false ⇒ 30, not assured.
    send(req(), 2 * SEC);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    expect(ct.status & IPS_ASSURED).toBe(0);
    // last µs of that same jiffy: still jiffy + 500.
    send(rep(), 2 * SEC + 3999);
    expect(ct.status & IPS_ASSURED).toBe(0);
    // one jiffy later (4 ms): stream ⇒ 120 + ASSURED.
    send(rep(), 2 * SEC + 4000);
    expect(ct.timeout - net.jiffies).toBe(120 * 250);
    expect(ct.status & IPS_ASSURED).toBeTruthy();
    expect(notifier.events.at(-1)!.bits).toBe(IPCT_ASSURED);
  });

  it('"unless status has NAT_CLASH (never assured)": the stream timeout still applies, ASSURED does not', () => {
    const { net, send, notifier } = setup([udpModule]);
    const ct = send(req(), 0).ct!;
    send(rep(), 1 * SEC);
    // A clash entry (docs/core.md §10 b) is inserted with NAT_CLASH; mark this one so.
    ct.status |= IPS_NAT_CLASH;
    send(req(), 3 * SEC);
    expect(ct.timeout - net.jiffies).toBe(120 * 250);
    expect(ct.status & IPS_ASSURED).toBe(0);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW, IPCT_REPLY]);
  });

  it('timeout is re-armed on every valid packet in both directions; an assured conn expires 120 s after the last one', () => {
    const { net, send, at } = setup([udpModule]);
    send(req(), 0);
    send(rep(), 1 * SEC);
    send(req(), 3 * SEC);
    send(rep(), 50 * SEC);
    at(170 * SEC - 1);
    expect(net.count).toBe(1);
    at(170 * SEC);
    expect(net.count).toBe(0);
  });

  it('nf_conntrack_udp_timeout and _stream are read per packet from the netns knobs', () => {
    const { net, send, at } = setup([udpModule]);
    net.sysctl.set('nf_conntrack_udp_timeout', 10);
    net.sysctl.set('net.netfilter.nf_conntrack_udp_timeout_stream', 50);
    const ct = send(req(), 0).ct!;
    expect(ct.timeout - net.jiffies).toBe(10 * 250);
    send(rep(), 1 * SEC);
    expect(ct.timeout - net.jiffies).toBe(10 * 250);
    send(req(), 3 * SEC);
    expect(ct.timeout - net.jiffies).toBe(50 * 250);
    at(53 * SEC - 1);
    expect(net.count).toBe(1);
    at(53 * SEC);
    expect(net.count).toBe(0);
  });

  it('a new netns starts from the compiled defaults, not the init netns values (docs/sysctl.md)', () => {
    const { kernel, net } = setup([udpModule]);
    net.sysctl.set('nf_conntrack_udp_timeout', 7);
    const other = kernel.createNetns({ clock: net.clock });
    expect(other.sysctl.get('nf_conntrack_udp_timeout')).toBe(30);
    expect(other.sysctl.get('nf_conntrack_udp_timeout_stream')).toBe(120);
  });

  it('acct: "10-byte UDP payload ⇒ bytes=38" per packet (docs/core.md §9)', () => {
    const { net, send } = setup([udpModule]);
    net.sysctl.set('nf_conntrack_acct', 1);
    const ct = send(req(), 0).ct!;
    send(rep(), SEC);
    const acct = ct.ext![3] as { packets0: number; bytes0: number; packets1: number; bytes1: number };
    expect([acct.packets0, acct.bytes0, acct.packets1, acct.bytes1]).toEqual([1, 38, 1, 38]);
  });
});

describe('UDP checks on every packet (docs/udp-icmp-generic.md §1.1)', () => {
  it('#1 fewer than 8 header bytes: INVALID "short packet", counted invalid, no conn', () => {
    const { net, send } = setup([udpModule]);
    const six = ipv4({ src: A, dst: B, proto: 17, payload: new Uint8Array([0x9c, 0x40, 0x13, 0x89, 0, 6]) });
    const r = send(six, 0);
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('short packet');
    expect(net.stats.invalid).toBe(1);
    expect(net.stats.error).toBe(0);
    expect(net.count).toBe(0);
  });

  it('fewer than 4 bytes give no tuple at all (nf_ct_get_tuple needs the ports): INVALID, no log line', () => {
    const { net, send } = setup([udpModule]);
    const r = send(ipv4({ src: A, dst: B, proto: 17, payload: new Uint8Array([0x9c, 0x40, 0x13]) }), 0);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBeNull();
    expect(net.stats.invalid).toBe(1);
  });

  it('#2 "[obs] len 100 on a 9-byte datagram, len 7": truncated/malformed packet', () => {
    const { net, send } = setup([udpModule]);
    for (const length of [100, 7]) {
      const p = udpPacket(A, B, { sport: 40000, dport: 5001, payload: new Uint8Array(1), length });
      const r = send(p, 0);
      expect(r.ctinfo).toBe(IP_CT_INVALID);
      expect(r.reason).toBe('truncated/malformed packet');
    }
    expect(net.stats.invalid).toBe(2);
    expect(net.count).toBe(0);
  });

  it('#2 extra trailing bytes after the UDP length are fine', () => {
    const { send } = setup([udpModule]);
    // length 9 on a 12-byte datagram, checksum 0 (so only the length rule applies).
    const p = udpPacket(A, B, {
      sport: 40000,
      dport: 5001,
      payload: new Uint8Array(4),
      length: 9,
      noChecksum: true,
    });
    expect(send(p, 0).ctinfo).toBe(IP_CT_NEW);
  });

  it('#3 checksum field 0 skips the checksum check', () => {
    const { send } = setup([udpModule]);
    expect(send(req({ noChecksum: true }), 0).ctinfo).toBe(IP_CT_NEW);
  });

  it('#4 bad checksum at PRE_ROUTING: INVALID "bad checksum"; on an existing conn it changes nothing', () => {
    const { net, send, notifier } = setup([udpModule]);
    const r = send(req({ badChecksum: true }), 0);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('bad checksum');
    expect(net.count).toBe(0);
    const ct = send(req(), SEC).ct!;
    const deadline = ct.timeout;
    const bad = send(rep({ badChecksum: true }), 3 * SEC);
    expect(bad.ctinfo).toBe(IP_CT_INVALID);
    expect(ct.status & IPS_SEEN_REPLY).toBe(0);
    expect(ct.timeout).toBe(deadline);
    expect(net.stats.invalid).toBe(2);
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW]);
  });

  it('#4 checksum is only verified at PRE_ROUTING: LOCAL_OUT trusts it', () => {
    const { send } = setup([udpModule]);
    const r = send(req({ badChecksum: true }), 0, 'output');
    expect(r.ctinfo).toBe(IP_CT_NEW);
  });

  it('#4 nf_conntrack_checksum=0 turns the check off', () => {
    const { net, send } = setup([udpModule]);
    net.sysctl.set('nf_conntrack_checksum', 0);
    expect(send(req({ badChecksum: true }), 0).ctinfo).toBe(IP_CT_NEW);
  });

  it('a forwarded packet is checked at PRE_ROUTING as well', () => {
    const { send } = setup([udpModule]);
    expect(send(req({ badChecksum: true }), 0, 'forward').reason).toBe('bad checksum');
  });
});
