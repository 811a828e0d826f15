import {
  type Conn,
  type HookState,
  IPPROTO_TCP,
  type L4Proto,
  type Netns,
  NFPROTO_IPV4,
  readU16,
  type Skb,
  type Tuple,
} from '@ctrack/core';
import { TCP_CONNTRACK_NAMES } from './constants.js';
import { tcpCanEarlyDrop, tcpPacket } from './packet.js';
import { TCP_NET, TCP_SYSCTLS, TcpNet } from './sysctls.js';
import type { TcpConn } from './tcp-conn.js';

/**
 * nf_conntrack_l4proto_tcp for IPv4 (slot (NFPROTO_IPV4, IPPROTO_TCP)). Tuples are the
 * two ports; the per-conn state is a TcpConn in ct.proto; per-netns knobs are read
 * through the TcpNet handles provided in each netns as TCP_NET.
 */
export const tcpL4Proto: L4Proto = {
  l3proto: NFPROTO_IPV4,
  l4proto: IPPROTO_TCP,
  name: 'tcp',

  /** Only the ports are needed: 4 bytes must be readable (nf_ct_get_tuple_ports). */
  pktToTuple(skb: Skb, dataoff: number, t: Tuple): boolean {
    if (dataoff + 4 > skb.nhoff + skb.len) return false;
    t.sport = readU16(skb.data, dataoff);
    t.dport = readU16(skb.data, dataoff + 2);
    return true;
  },

  invertTuple(t: Tuple, orig: Tuple): boolean {
    t.sport = orig.dport;
    t.dport = orig.sport;
    return true;
  },

  packet(ct: Conn, skb: Skb, dataoff: number, ctinfo: number, state: HookState): number {
    return tcpPacket(ct, skb, dataoff, ctinfo, state, state.net.get(TCP_NET));
  },

  canEarlyDrop: tcpCanEarlyDrop,

  /** tcp_print_conntrack: the state name ("ESTABLISHED"). */
  printConntrack(ct: Conn): string {
    return TCP_CONNTRACK_NAMES[(ct.proto as TcpConn).state]!;
  },

  /** tcp_print_tuple: "sport=%hu dport=%hu ". */
  printTuple(t: Tuple): string {
    return `sport=${t.sport} dport=${t.dport} `;
  },

  sysctls: TCP_SYSCTLS,

  initNet(net: Netns): void {
    net.provide(TCP_NET, new TcpNet(net));
  },
};
