import {
  type Conn,
  csumPartial,
  type HookState,
  IPCT_ASSURED,
  IPPROTO_UDPLITE,
  IPS_ASSURED,
  IPS_NAT_CLASH,
  IPS_SEEN_REPLY,
  type L4Proto,
  l3PseudoSum,
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  NFPROTO_IPV4,
  nfConntrackEventCache,
  nfCtRefreshAcct,
  type Skb,
} from '@ctrack/core';
import { portsInvertTuple, portsPktToTuple, portsPrintTuple } from './ports.js';
import { UDP_NET } from './timeouts.js';

/**
 * udplite_error (docs/udp-icmp-generic.md §1.4). Coverage = the length field, 0 meaning the
 * whole datagram; the checksum is mandatory.
 */
function udpliteError(skb: Skb, dataoff: number, state: HookState): boolean {
  const udplen = skb.nhoff + skb.len - dataoff;
  if (udplen < 8) {
    skb.invalidReason = 'short packet';
    return true;
  }
  const v = skb.view;
  let cscov = v.getUint16(dataoff + 4);
  if (cscov === 0) cscov = udplen;
  else if (cscov < 8 || cscov > udplen) {
    skb.invalidReason = 'invalid checksum coverage';
    return true;
  }
  if (v.getUint16(dataoff + 6) === 0) {
    skb.invalidReason = 'checksum missing';
    return true;
  }
  if (
    state.hook === NF_INET_PRE_ROUTING &&
    state.net.checksum.value !== 0 &&
    !udpliteChecksumOk(skb, dataoff, udplen, cscov)
  ) {
    skb.invalidReason = 'bad checksum';
    return true;
  }
  return false;
}

/**
 * nf_ip_checksum_partial as 6.18 calls it: the pseudo header has the whole L4 length
 * and protocol number **17** (IPPROTO_UDP, not 136) — the kernel quirk
 * docs/udp-icmp-generic.md §1.4 records — and the sum covers the first `cscov` bytes.
 */
function udpliteChecksumOk(skb: Skb, dataoff: number, l4len: number, cscov: number): boolean {
  // IPv6 (nf_ip6_checksum_partial) has the same quirk: length skb->len - dataoff, proto 17.
  const pseudo = l3PseudoSum(skb.data, skb.nhoff, l4len, 17);
  return csumPartial(skb.data, dataoff, cscov, pseudo) === 0xffff;
}

/**
 * nf_conntrack_udplite_packet: no 2-second rule — a conn that has seen a reply gets
 * the stream timeout and ASSURED on its next packet; otherwise the unreplied timeout.
 */
function udplitePacket(ct: Conn, skb: Skb, dataoff: number, ctinfo: number, state: HookState): number {
  if (udpliteError(skb, dataoff, state)) return -NF_ACCEPT;
  const net = state.net;
  const timeouts = net.get(UDP_NET);
  if ((ct.status & IPS_SEEN_REPLY) === 0) {
    nfCtRefreshAcct(ct, ctinfo, skb, timeouts.unreplied.value * net.hz);
    return NF_ACCEPT;
  }
  nfCtRefreshAcct(ct, ctinfo, skb, timeouts.replied.value * net.hz);
  if ((ct.status & IPS_NAT_CLASH) !== 0) return NF_ACCEPT;
  if ((ct.status & IPS_ASSURED) === 0) {
    ct.status |= IPS_ASSURED;
    nfConntrackEventCache(ct, IPCT_ASSURED);
  }
  return NF_ACCEPT;
}

/**
 * nf_conntrack_l4proto_udplite4: UDP-Lite over IPv4. Owns no knobs: it reads the UDP
 * timeouts (UDP_NET, provided by udpL4Proto), so it must be registered after
 * udpL4Proto (udpModule does).
 */
export const udpliteL4Proto: L4Proto = {
  l3proto: NFPROTO_IPV4,
  l4proto: IPPROTO_UDPLITE,
  name: 'udplite',
  pktToTuple: portsPktToTuple,
  invertTuple: portsInvertTuple,
  packet: udplitePacket,
  allowClash: true,
  printTuple: portsPrintTuple,
};
