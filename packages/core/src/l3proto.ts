import type { Skb } from './skb.js';
import type { Tuple } from './tuple.js';

/**
 * struct nf_conntrack_l3proto (old model): per-family parsing of addresses and the
 * step that finds the transport header. Registered in the L3ProtoRegistry.
 */
export interface L3Proto {
  /** NFPROTO family this proto serves (IPv4 = 2). */
  readonly l3proto: number;
  /** Name shown in `-o extended` listings (e.g. "ipv4"). */
  readonly name: string;
  /** Fill the address fields (src, dst, l3num) from the network header at `nhoff`. */
  pktToTuple(skb: Skb, nhoff: number, tuple: Tuple): boolean;
  /** Fill `tuple` with the inverse addresses of `orig`. */
  invertTuple(tuple: Tuple, orig: Tuple): boolean;
  /**
   * Find the transport header: sets `skb.protonum` and `skb.thoff` and returns
   * NF_ACCEPT, or returns a value ≤ 0 (-verdict) when the packet cannot be tracked
   * (unreadable header, non-first fragment, bogus length).
   */
  getL4proto(skb: Skb, nhoff: number): number;
  /** Netlink consistency pair checked at registration: one without the other is EINVAL. */
  readonly tupleToNlattr?: unknown;
  readonly nlattrTupleSize?: () => number;
}

/** The generic l3 every slot starts with: tracks nothing (get_l4proto always fails). */
export const genericL3Proto: L3Proto = {
  l3proto: 0,
  name: 'unknown',
  pktToTuple: () => false,
  invertTuple: () => false,
  getL4proto: () => -1,
};
