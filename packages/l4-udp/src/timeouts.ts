import { defineToken, type Netns, type Sysctl, type SysctlDef, type Token } from '@ctrack/core';

/** docs/sysctl.md: the two UDP timeouts, in seconds (kept as jiffies in the kernel, N·HZ). */
export const UDP_SYSCTLS: readonly SysctlDef[] = [
  { name: 'nf_conntrack_udp_timeout', default: 30, seconds: true },
  { name: 'nf_conntrack_udp_timeout_stream', default: 120, seconds: true },
];

/**
 * struct nf_udp_net: the pernet timeout handles (UDP_CT_UNREPLIED, UDP_CT_REPLIED).
 * UDP-Lite reads the same pair (udp_get_timeouts in 6.x; the old udplite knobs are gone).
 */
export interface UdpNet {
  readonly unreplied: Sysctl;
  readonly replied: Sysctl;
}

/** The UDP timeout handles of a netns (UDP and UDP-Lite), provided while UDP is registered. */
export const UDP_NET: Token<UdpNet> = defineToken('ctrack.l4-udp.net');

/** pernet init: the handles of this netns' knobs, read on every packet without a lookup by name. */
export function udpInitNet(net: Netns): void {
  net.provide(UDP_NET, {
    unreplied: net.sysctl.handle('nf_conntrack_udp_timeout'),
    replied: net.sysctl.handle('nf_conntrack_udp_timeout_stream'),
  });
}
