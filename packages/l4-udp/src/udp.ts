import {
  type Conn,
  type HookState,
  IPCT_ASSURED,
  IPPROTO_UDP,
  IPS_ASSURED,
  IPS_CONFIRMED,
  IPS_NAT_CLASH,
  IPS_SEEN_REPLY,
  type L4Proto,
  NF_ACCEPT,
  NFPROTO_IPV4,
  nfConntrackEventCache,
  nfCtRefreshAcct,
  type Skb,
} from '@ctrack/core';
import { portsInvertTuple, portsPktToTuple, portsPrintTuple } from './ports.js';
import { UDP_NET, UDP_SYSCTLS, udpInitNet } from './timeouts.js';
import { udpError } from './udp-error.js';

/**
 * struct nf_conntrack_proto's udp member: stream_ts, the jiffy after which a replied
 * conn counts as a stream (creation + 2 s). No object: `ct.proto` holds the number
 * itself (a small integer, netns-relative jiffies), set while the conn is unconfirmed;
 * null for a conn made elsewhere (netlink), which reads as stream_ts 0.
 */
export type UdpConn = number;

/** time_after(a, b) on jiffies. */
function timeAfter(a: number, b: number): boolean {
  return a - b > 0;
}

/**
 * nf_conntrack_udp_packet, Linux 6.18 (docs/udp-icmp-generic.md §1.2): checks first; the
 * conn stays at the unreplied timeout until a reply was seen AND a packet comes
 * strictly more than 2·HZ jiffies after creation, which switches it to the stream
 * timeout and sets ASSURED (IPCT_ASSURED) once. NAT_CLASH entries are never assured.
 */
function udpPacket(ct: Conn, skb: Skb, dataoff: number, ctinfo: number, state: HookState): number {
  if (udpError(skb, dataoff, state)) return -NF_ACCEPT;
  const net = state.net;
  const timeouts = net.get(UDP_NET);
  const status = ct.status;
  if ((status & IPS_CONFIRMED) === 0) ct.proto = (2 * net.hz + net.jiffies) as UdpConn;
  if ((status & IPS_SEEN_REPLY) === 0) {
    nfCtRefreshAcct(ct, ctinfo, skb, timeouts.unreplied.value * net.hz);
    return NF_ACCEPT;
  }
  // A conn made elsewhere (netlink) has no stream_ts: zeroed memory, 0.
  const p = ct.proto as UdpConn | null;
  const streamTs = p === null ? 0 : p;
  let extra = timeouts.unreplied.value * net.hz;
  let stream = false;
  if (timeAfter(net.jiffies, streamTs)) {
    extra = timeouts.replied.value * net.hz;
    stream = (status & IPS_ASSURED) === 0;
  }
  nfCtRefreshAcct(ct, ctinfo, skb, extra);
  if ((status & IPS_NAT_CLASH) !== 0) return NF_ACCEPT;
  if (stream && (ct.status & IPS_ASSURED) === 0) {
    ct.status |= IPS_ASSURED;
    nfConntrackEventCache(ct, IPCT_ASSURED);
  }
  return NF_ACCEPT;
}

/** nf_conntrack_l4proto_udp4: UDP over IPv4. */
export const udpL4Proto: L4Proto = {
  l3proto: NFPROTO_IPV4,
  l4proto: IPPROTO_UDP,
  name: 'udp',
  pktToTuple: portsPktToTuple,
  invertTuple: portsInvertTuple,
  packet: udpPacket,
  allowClash: true,
  printTuple: portsPrintTuple,
  sysctls: UDP_SYSCTLS,
  initNet: udpInitNet,
};
