import type { Conn } from './conn.js';
import { NF_ACCEPT } from './constants.js';
import type { HookState } from './hooks.js';
import { type L4Proto, normalizeL4Proto } from './l4proto.js';
import { nfCtRefreshAcct } from './refresh.js';
import type { Skb } from './skb.js';
import type { Tuple } from './tuple.js';

/**
 * The generic l4 tracker (nf_conntrack_proto_generic): any protocol without a module.
 * Both `u` fields are 0, so one conn per (saddr, daddr, proto); one timeout
 * (nf_conntrack_generic_timeout, 600 s); never ASSURED.
 */
export const genericL4Proto: L4Proto = normalizeL4Proto({
  l3proto: 0,
  l4proto: 255,
  name: 'unknown',
  pktToTuple(_skb: Skb, _dataoff: number, t: Tuple): boolean {
    t.sport = 0;
    t.dport = 0;
    return true;
  },
  invertTuple(t: Tuple, _orig: Tuple): boolean {
    t.sport = 0;
    t.dport = 0;
    return true;
  },
  packet(ct: Conn, skb: Skb, _dataoff: number, ctinfo: number, state: HookState): number {
    const net = state.net;
    nfCtRefreshAcct(ct, ctinfo, skb, net.genericTimeout.value * net.hz);
    return NF_ACCEPT;
  },
});
