import { IP_CT_INVALID, IP_CT_RELATED_REPLY, IPS_SEEN_REPLY } from '@ctrack/core';
import { icmpPacket, tcpPacket } from '@ctrack/core/testing';
import { SEC, setup } from '@ctrack/l3-ipv4/testing';
import { tcpModule } from '@ctrack/l4-tcp';
import { describe, expect, it } from 'vitest';
import { icmpModule } from './index.js';

const A = '198.19.10.1';
const B = '198.19.20.1';
const syn = tcpPacket(A, B, { sport: 40100, dport: 80, seq: 1000, flags: 'S', options: { mss: 1460 } });

describe('ICMP errors quoting TCP (docs/udp-icmp-generic.md §2.4, inner tuple by the TCP tracker)', () => {
  it('host unreachable for a SYN ⇒ RELATED_REPLY on the SYN_SENT conn; state and timer unchanged', () => {
    const { net, send } = setup([tcpModule, icmpModule]);
    const ct = send(syn, 0).ct!;
    expect(ct.l4proto.name).toBe('tcp');
    const deadline = ct.timeout;
    const proto = JSON.stringify(ct.proto);
    // "TCP/UDP/… need only the first 4 bytes (ports) [obs]": quote IP header + 8 bytes.
    const r = send(icmpPacket(B, A, { type: 3, code: 1, payload: syn.slice(0, 28) }), SEC);
    expect(r.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(r.ct).toBe(ct);
    expect(ct.timeout).toBe(deadline);
    expect(JSON.stringify(ct.proto)).toBe(proto);
    expect(ct.status & IPS_SEEN_REPLY).toBe(0);
    expect(net.stats.error).toBe(0);
  });

  it('an error quoting a TCP flow that was never seen ⇒ error', () => {
    const { net, send } = setup([tcpModule, icmpModule]);
    send(syn, 0);
    const other = tcpPacket(A, B, { sport: 40101, dport: 80, flags: 'S' });
    expect(send(icmpPacket(B, A, { type: 3, code: 1, payload: other.slice(0, 28) }), SEC).ctinfo).toBe(
      IP_CT_INVALID,
    );
    expect(net.stats.error).toBe(1);
  });
});
