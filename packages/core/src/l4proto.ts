import type { Conn } from './conn.js';
import type { HookState } from './hooks.js';
import type { Netns } from './netns.js';
import type { Skb } from './skb.js';
import type { SysctlDef } from './sysctl.js';
import type { Tuple } from './tuple.js';

/**
 * struct nf_conntrack_l4proto (old model, with the 6.18 observable behaviour).
 *
 * Return convention of `error` and `packet`, as in the kernel: NF_ACCEPT (1) to go on;
 * a value ≤ 0 is a negated verdict: -NF_ACCEPT (-1) = invalid, let it pass untracked;
 * -NF_DROP (0) = invalid and drop; -NF_REPEAT (-4) = look the packet up again (TCP
 * reopening a closed conn). Set `skb.invalidReason` when judging a packet invalid.
 */
export interface L4Proto {
  /** NFPROTO family (IPv4 = 2). */
  readonly l3proto: number;
  /** IP protocol number this tracker serves. */
  readonly l4proto: number;
  /** Name shown in listings and events ("tcp", "udp", "icmp", "unknown"). */
  readonly name: string;
  /** Fill the protocol part of `tuple` (sport/dport) from the header at `dataoff`. */
  pktToTuple(skb: Skb, dataoff: number, tuple: Tuple): boolean;
  /** Fill the protocol part of `tuple` as the inverse of `orig`; false = cannot invert. */
  invertTuple(tuple: Tuple, orig: Tuple): boolean;
  /**
   * Optional pre-lookup check (ICMP errors). May attach a conn to the skb itself
   * (RELATED). Return NF_ACCEPT to continue normal tracking, ≤ 0 when handled or bad.
   * The core counts `error` for ≤ 0 results, and stops for an attached conn.
   */
  error?(skb: Skb, dataoff: number, state: HookState): number;
  /** Optional create-time check (the old `new()`): false refuses to start a conn (counted invalid). */
  new?(ct: Conn, skb: Skb, dataoff: number, state: HookState): boolean;
  /**
   * Track one packet of `ct` (state, timeout refresh via nfCtRefresh). `state` is the
   * hook state (struct nf_hook_state): `state.net`, `state.hook` (checksums are
   * verified at PRE_ROUTING only), `state.pf`.
   */
  packet(ct: Conn, skb: Skb, dataoff: number, ctinfo: number, state: HookState): number;
  /** Confirm clashes may be resolved for this protocol (UDP, ICMP; never TCP). */
  readonly allowClash?: boolean;
  /** GC may evict it when the table is nearly full even if ASSURED (TCP closing states). */
  canEarlyDrop?(ct: Conn): boolean;
  /** Release per-conn resources on destroy. */
  destroy?(ct: Conn): void;
  /** Per-conn state text for listings (TCP: "ESTABLISHED"); omit for none. */
  printConntrack?(ct: Conn): string;
  /** Protocol part of a tuple for listings (e.g. "sport=1 dport=2 "); omit for none. */
  printTuple?(t: Tuple): string;
  /** Per-netns knobs this proto owns (registered in every Netns while the proto is). */
  readonly sysctls?: readonly SysctlDef[];
  /**
   * pernet init: provide the per-netns data `packet()` reads, under a token the
   * package exports (`net.provide(TCP_NET, …)`, read back with `state.net.get(TCP_NET)`).
   * Withdrawn when the tracker is unregistered or the netns goes away.
   */
  initNet?(net: Netns): void;
  /** Netlink consistency pairs checked at registration: one without the other is EINVAL. */
  readonly toNlattr?: unknown;
  readonly nlattrSize?: () => number;
  readonly tupleToNlattr?: unknown;
  readonly nlattrTupleSize?: () => number;
}

/**
 * The fixed shape every registered tracker has (nf_ct_l4proto_register copies the
 * author's descriptor into it): every member present, in this order, an absent
 * optional one as `undefined` (`allowClash` as a boolean). Trackers written as
 * different object literals would otherwise have different hidden classes, and the
 * packet path's `l4.error`/`l4.packet` loads would turn polymorphic.
 */
export function normalizeL4Proto(p: L4Proto): L4Proto {
  return {
    l3proto: p.l3proto,
    l4proto: p.l4proto,
    name: p.name,
    pktToTuple: p.pktToTuple,
    invertTuple: p.invertTuple,
    error: p.error,
    new: p.new,
    packet: p.packet,
    allowClash: p.allowClash === true,
    canEarlyDrop: p.canEarlyDrop,
    destroy: p.destroy,
    printConntrack: p.printConntrack,
    printTuple: p.printTuple,
    sysctls: p.sysctls,
    initNet: p.initNet,
    toNlattr: p.toNlattr,
    nlattrSize: p.nlattrSize,
    tupleToNlattr: p.tupleToNlattr,
    nlattrTupleSize: p.nlattrTupleSize,
  };
}
