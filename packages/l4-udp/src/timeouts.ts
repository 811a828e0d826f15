import type { Netns, Sysctl, SysctlDef } from '@ctrack/core';

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

/** pernet init: the handles of this netns' knobs, read on every packet without a lookup by name. */
export function udpInitNet(net: Netns): UdpNet {
  return {
    unreplied: net.sysctl.handle('nf_conntrack_udp_timeout'),
    replied: net.sysctl.handle('nf_conntrack_udp_timeout_stream'),
  };
}
