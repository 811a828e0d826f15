import {
  csumFold,
  csumPartial,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IPCT_ASSURED,
  IPCT_NEW,
  IPCT_REPLY,
  IPS_ASSURED,
  parseIpv4,
} from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { describe, expect, it } from 'vitest';
import { udpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';

interface LiteSpec {
  sport: number;
  dport: number;
  payload?: number;
  /** Checksum coverage field (0 = whole datagram). */
  cscov?: number;
  /** Protocol number in the checksum's pseudo header (the kernel checks with 17). */
  csumProto?: number;
  noChecksum?: boolean;
}

/** A UDP-Lite datagram (RFC 3828) in IPv4, checksummed over its coverage. */
function lite(src: string, dst: string, s: LiteSpec): Uint8Array {
  const l4 = new Uint8Array(8 + (s.payload ?? 12));
  for (let i = 8; i < l4.length; i++) l4[i] = i * 7;
  const v = new DataView(l4.buffer);
  v.setUint16(0, s.sport);
  v.setUint16(2, s.dport);
  const cscov = s.cscov ?? 0;
  v.setUint16(4, cscov);
  if (!s.noChecksum) {
    const sa = parseIpv4(src);
    const da = parseIpv4(dst);
    const pseudo =
      (sa >>> 16) + (sa & 0xffff) + (da >>> 16) + (da & 0xffff) + (s.csumProto ?? 17) + l4.length;
    const covered = cscov === 0 ? l4.length : Math.min(cscov, l4.length);
    v.setUint16(6, csumFold(csumPartial(l4, 0, covered, pseudo)) || 0xffff);
  }
  return ipv4({ src, dst, proto: 136, payload: l4 });
}

describe('UDP-Lite (docs/udp-icmp-generic.md §1.4)', () => {
  it('tracks ports; SEEN_REPLY ⇒ 120 and ASSURED on the reply itself (no 2 s rule)', () => {
    const { net, send, notifier } = setup([udpModule]);
    const r = send(lite(A, B, { sport: 7000, dport: 7001 }), 0);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    const ct = r.ct!;
    expect(ct.l4proto.name).toBe('udplite');
    expect([ct.orig.sport, ct.orig.dport]).toEqual([7000, 7001]);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    // The reply packet: SEEN_REPLY is set by the core only after packet(), so 30 still.
    const r2 = send(lite(B, A, { sport: 7001, dport: 7000 }), 0.1 * SEC);
    expect(r2.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ct.timeout - net.jiffies).toBe(30 * 250);
    send(lite(A, B, { sport: 7000, dport: 7001 }), 0.2 * SEC);
    expect(ct.timeout - net.jiffies).toBe(120 * 250);
    expect(ct.status & IPS_ASSURED).toBeTruthy();
    expect(notifier.events.map((e) => e.bits)).toEqual([IPCT_NEW, IPCT_REPLY, IPCT_ASSURED]);
  });

  it('uses the UDP knobs (no udplite sysctls in 6.x)', () => {
    const { net, send } = setup([udpModule]);
    expect(net.sysctl.has('nf_conntrack_udplite_timeout')).toBe(false);
    net.sysctl.set('nf_conntrack_udp_timeout', 11);
    const ct = send(lite(A, B, { sport: 1, dport: 2 }), 0).ct!;
    expect(ct.timeout - net.jiffies).toBe(11 * 250);
  });

  it('partial coverage: the checksum covers only the first cscov bytes', () => {
    const { send } = setup([udpModule]);
    expect(send(lite(A, B, { sport: 1, dport: 2, cscov: 8 }), 0).ctinfo).toBe(IP_CT_NEW);
  });

  it('coverage < 8 or > L4 bytes ⇒ INVALID "invalid checksum coverage"', () => {
    const { net, send } = setup([udpModule]);
    expect(send(lite(A, B, { sport: 1, dport: 2, cscov: 5 }), 0).reason).toBe('invalid checksum coverage');
    expect(send(lite(A, B, { sport: 1, dport: 2, cscov: 21 }), 0).reason).toBe('invalid checksum coverage');
    expect(net.stats.invalid).toBe(2);
    expect(net.count).toBe(0);
  });

  it('checksum field 0 ⇒ INVALID "checksum missing" (mandatory), even on LOCAL_OUT', () => {
    const { send } = setup([udpModule]);
    const r = send(lite(A, B, { sport: 1, dport: 2, noChecksum: true }), 0, 'output');
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('checksum missing');
  });

  it('"Quirk [obs]": an RFC-correct checksum (pseudo-header protocol 136) is a bad checksum at PRE_ROUTING', () => {
    const { net, send } = setup([udpModule]);
    const rfc = lite(A, B, { sport: 1, dport: 2, csumProto: 136 });
    const r = send(rfc, 0);
    expect(r.ctinfo).toBe(IP_CT_INVALID);
    expect(r.reason).toBe('bad checksum');
    expect(send(rfc, 0, 'output').ctinfo).toBe(IP_CT_NEW);
    net.sysctl.set('nf_conntrack_checksum', 0);
    expect(send(lite(A, B, { sport: 3, dport: 4, csumProto: 136 }), SEC).ctinfo).toBe(IP_CT_NEW);
  });

  it('fewer than 8 bytes ⇒ "short packet"', () => {
    const { send } = setup([udpModule]);
    const p = ipv4({ src: A, dst: B, proto: 136, payload: new Uint8Array([0, 1, 0, 2, 0]) });
    expect(send(p, 0).reason).toBe('short packet');
  });
});
