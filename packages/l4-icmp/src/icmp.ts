import {
  type Conn,
  defineToken,
  type HookState,
  IPPROTO_ICMP,
  type L4Proto,
  type Netns,
  NF_ACCEPT,
  NFPROTO_IPV4,
  nfCtRefreshAcct,
  type Skb,
  type Sysctl,
  type Token,
  type Tuple,
} from '@ctrack/core';
import { icmpError, NR_ICMP_TYPES } from './icmp-error.js';

/**
 * invmap (nf_conntrack_proto_icmp.c), "add 1" so 0 means "cannot invert": echo 8↔0,
 * timestamp 13↔14, info 15↔16, address mask 17↔18 (docs/core.md §1).
 */
const INVMAP = new Uint8Array(NR_ICMP_TYPES + 1);
for (const [a, b] of [
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
] as const) {
  INVMAP[a] = b + 1;
  INVMAP[b] = a + 1;
}

/** valid_new: only the request types may start a conn (docs/udp-icmp-generic.md §2.3). */
const VALID_NEW = new Uint8Array(NR_ICMP_TYPES + 1);
for (const t of [8, 13, 15, 17]) VALID_NEW[t] = 1;

/** icmp_pkt_to_tuple: id in sport, (type << 8) | code in dport; needs the 8-byte header. */
function icmpPktToTuple(skb: Skb, dataoff: number, t: Tuple): boolean {
  if (dataoff + 8 > skb.nhoff + skb.len) return false;
  const v = skb.view;
  t.dport = v.getUint16(dataoff); // type, code
  t.sport = v.getUint16(dataoff + 4); // un.echo.id
  return true;
}

/** nf_conntrack_invert_icmp_tuple: id and code kept, type mapped; other types fail. */
function icmpInvertTuple(t: Tuple, orig: Tuple): boolean {
  const type = orig.dport >>> 8;
  const inv = type < INVMAP.length ? INVMAP[type]! : 0;
  if (inv === 0) return false;
  t.sport = orig.sport;
  t.dport = ((inv - 1) << 8) | (orig.dport & 0xff);
  return true;
}

/** struct nf_icmp_net: the pernet timeout handle. */
export interface IcmpNet {
  readonly timeout: Sysctl;
}

/** The ICMP tracker's per-netns data, provided while it is registered. */
export const ICMP_NET: Token<IcmpNet> = defineToken('ctrack.l4-icmp.net');

/**
 * nf_conntrack_icmp_packet: a conn whose ORIGINAL type is not a request is refused
 * ("can't create new conn", counted invalid); every accepted packet, either way,
 * re-arms nf_conntrack_icmp_timeout. Never ASSURED, never deleted on the reply.
 */
function icmpPacket(ct: Conn, skb: Skb, _dataoff: number, ctinfo: number, state: HookState): number {
  const orig = ct.orig;
  if (orig.l3num !== NFPROTO_IPV4) return -NF_ACCEPT;
  const type = orig.dport >>> 8;
  if (type >= VALID_NEW.length || VALID_NEW[type] === 0) {
    skb.invalidReason = "can't create new conn";
    return -NF_ACCEPT;
  }
  const net = state.net;
  const pernet = net.get(ICMP_NET);
  nfCtRefreshAcct(ct, ctinfo, skb, pernet.timeout.value * net.hz);
  return NF_ACCEPT;
}

/** conntrack-tools' ICMP tuple text (docs/formats.md §1 field 7). */
function icmpPrintTuple(t: Tuple): string {
  return `type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
}

/** nf_conntrack_l4proto_icmp: ICMP over IPv4, with the error path that finds RELATED conns. */
export const icmpL4Proto: L4Proto = {
  l3proto: NFPROTO_IPV4,
  l4proto: IPPROTO_ICMP,
  name: 'icmp',
  pktToTuple: icmpPktToTuple,
  invertTuple: icmpInvertTuple,
  error: icmpError,
  packet: icmpPacket,
  allowClash: true,
  printTuple: icmpPrintTuple,
  sysctls: [{ name: 'nf_conntrack_icmp_timeout', default: 30, seconds: true }],
  initNet: (net: Netns) => net.provide(ICMP_NET, { timeout: net.sysctl.handle('nf_conntrack_icmp_timeout') }),
};
