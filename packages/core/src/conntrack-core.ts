import { Conn, type TupleHash } from './conn.js';
import {
  ctinfo2dir,
  IP_CT_DIR_ORIGINAL,
  IP_CT_DIR_REPLY,
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IP_CT_RELATED,
  IP_CT_RELATED_REPLY,
  IP_CT_UNTRACKED,
  IPCT_DESTROY,
  IPCT_HELPER,
  IPCT_NEW,
  IPCT_RELATED,
  IPCT_REPLY,
  IPS_ASSURED,
  IPS_CONFIRMED,
  IPS_DYING,
  IPS_EXPECTED,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
  NF_CT_EXT_HELPER,
  NF_CT_EXT_TSTAMP,
  NF_DROP,
  NF_REPEAT,
} from './constants.js';
import type { ConnHelp } from './helper-ext.js';
import type { HookState } from './hooks.js';
import type { L3Proto } from './l3proto.js';
import type { L4Proto } from './l4proto.js';
import type { Netns } from './netns.js';
import type { Skb } from './skb.js';
import type { ConnTstamp } from './tstamp.js';
import { type Tuple, tupleCopy, tupleEqual } from './tuple.js';

/** Eviction range of early drop (NF_CT_EVICTION_RANGE). */
const NF_CT_EVICTION_RANGE = 8;
/** Chain limit at confirm: MIN_CHAINLEN + random below MAX_CHAINLEN. */
const MIN_CHAINLEN = 50;
const MAX_CHAINLEN = 30;

/** nf_conntrack_event_cache: remember an event for the conn while the packet is processed. */
export function nfConntrackEventCache(ct: Conn, events: number): void {
  const n = ct.net.notifier;
  if (n !== null) n.cache(ct, events);
}

/**
 * nf_conntrack_in (docs/core.md §7), the conntrack hook at priority -200. Attaches a conn
 * and ctinfo to the skb, or leaves it without one (INVALID); never throws for a bad
 * packet: it is a verdict and a counter.
 */
export function nfConntrackIn(skb: Skb, state: HookState): number {
  // 1. Already has a conn (loopback, attached error) or is untracked.
  if (skb.ct !== null || skb.ctinfo === IP_CT_UNTRACKED) return NF_ACCEPT;
  const net = state.net;
  const kernel = net.kernel;
  // 2. l3: find the transport header.
  const l3 = kernel.l3protos.find(state.pf);
  if (l3.getL4proto(skb, skb.nhoff) <= 0) {
    net.stats.invalid++;
    return NF_ACCEPT;
  }
  const dataoff = skb.thoff;
  const l4 = kernel.l4protos.find(state.pf, skb.protonum);
  // 3. l4 error(): ICMP errors are matched to their conn here.
  if (l4.error !== undefined) {
    const ret = l4.error(skb, dataoff, state);
    if (ret <= 0) {
      net.stats.error++;
      return -ret;
    }
    if (skb.ct !== null) return NF_ACCEPT;
  }
  for (;;) {
    // 4. lookup or create.
    const r = resolveNormalCt(state, skb, l3, l4, dataoff);
    if (r < 0) {
      net.stats.drop++;
      return NF_DROP;
    }
    const ct = skb.ct as Conn | null;
    if (ct === null) {
      net.stats.invalid++;
      return NF_ACCEPT;
    }
    // 6. l4 packet(): state machine, refresh, accounting.
    const ctinfo = skb.ctinfo;
    const ret = l4.packet(ct, skb, dataoff, ctinfo, state);
    if (ret <= 0) {
      skb.ct = null;
      skb.ctinfo = IP_CT_INVALID;
      nfCtPut(ct);
      if (ret === -NF_REPEAT) continue;
      net.stats.invalid++;
      if (ret === -NF_DROP) net.stats.drop++;
      return -ret;
    }
    // 7. The first reply sets SEEN_REPLY.
    if (ctinfo === IP_CT_ESTABLISHED_REPLY && (ct.status & IPS_SEEN_REPLY) === 0) {
      ct.status |= IPS_SEEN_REPLY;
      nfConntrackEventCache(ct, IPCT_REPLY);
    }
    return ret;
  }
}

/**
 * resolve_normal_ct: tuple from the packet, lookup, init_conntrack on a miss, ctinfo.
 * Returns 0 with or without a conn attached, or -1 when the conn could not be allocated.
 */
function resolveNormalCt(state: HookState, skb: Skb, l3: L3Proto, l4: L4Proto, dataoff: number): number {
  const net = state.net;
  const tuple = net.scratch;
  tuple.l3num = l3.l3proto;
  tuple.protonum = skb.protonum;
  tuple.dir = IP_CT_DIR_ORIGINAL;
  if (!l3.pktToTuple(skb, skb.nhoff, tuple) || !l4.pktToTuple(skb, dataoff, tuple)) return 0;
  const zone = skb.zone;
  const raw = net.table.rawHash(tuple, zone);
  let h: TupleHash | null = net.table.find(tuple, zone, raw);
  if (h === null) {
    const r = initConntrack(state, tuple, l3, l4, skb, dataoff, raw);
    if (r === null) return 0;
    if (r === ALLOC_FAILED) return -1;
    h = r;
  } else {
    h.ct.use++; // the packet's reference
  }
  const ct = h.ct;
  let ctinfo: number;
  if (h.dir === IP_CT_DIR_REPLY) ctinfo = IP_CT_ESTABLISHED_REPLY;
  else if ((ct.status & IPS_SEEN_REPLY) !== 0) ctinfo = IP_CT_ESTABLISHED;
  else if ((ct.status & IPS_EXPECTED) !== 0) ctinfo = IP_CT_RELATED;
  else ctinfo = IP_CT_NEW;
  skb.ct = ct;
  skb.ctinfo = ctinfo;
  return 0;
}

const ALLOC_FAILED = 1 as const;

/** init_conntrack (docs/core.md §8): a new unconfirmed conn for a lookup miss. */
function initConntrack(
  state: HookState,
  tuple: Tuple,
  l3: L3Proto,
  l4: L4Proto,
  skb: Skb,
  dataoff: number,
  raw: number,
): TupleHash | null | typeof ALLOC_FAILED {
  const net = state.net;
  const repl = net.scratchReply;
  repl.l3num = tuple.l3num;
  repl.protonum = tuple.protonum;
  if (!l3.invertTuple(repl, tuple) || !l4.invertTuple(repl, tuple)) return null;
  const zone = skb.zone;
  // 3. Allocate, evicting when the table is full.
  net.count++;
  const max = net.max.value;
  if (max !== 0 && net.count > max && !earlyDrop(net, raw)) {
    net.earlyDropFlag = true;
    net.count--;
    net.kernel.logRatelimited(
      net,
      net.isInitNet
        ? 'nf_conntrack: table full, dropping packet'
        : `nf_conntrack: table full in netns ${net.inum}, dropping packet`,
    );
    return ALLOC_FAILED;
  }
  const ct = new Conn(net, l4);
  tupleCopy(ct, tuple).dir = IP_CT_DIR_ORIGINAL;
  tupleCopy(ct.reply, repl).dir = IP_CT_DIR_REPLY;
  ct.zone = zone;
  ct.seq = nfCtAllocSeq(net);
  ct.use = 1;
  // 4. The l4's create-time check.
  if (l4.new !== undefined && !l4.new(ct, skb, dataoff, state)) {
    nfCtPut(ct);
    return null;
  }
  // 5. Extensions (acct, tstamp, ecache, …) decide from the netns sysctls.
  const attachers = net.kernel.extensions.attachers;
  for (let i = 0; i < attachers.length; i++) attachers[i]!.attach!(ct, net, skb);
  // 6. Expectations.
  const exp = net.expect;
  if (exp !== null && exp.count() > 0) exp.matchNew(ct);
  return ct;
}

/**
 * The allocation sequence number of a new conn: four numbers per packet (a packet
 * allocates at most two conns: a TCP reopen, or a reassembled datagram), counted from
 * the packet's number in its netns (`net.packetSeq`), so a conn's number depends on the
 * packet that made it, not on how many conns other trackers of a sharded replay made.
 * Always increasing, also for callers that run the hooks without counting packets.
 */
function nfCtAllocSeq(net: Netns): number {
  const first = net.packetSeq * 4;
  const next = net.idSeq + 1;
  net.idSeq = next > first ? next : first;
  return net.idSeq;
}

/**
 * early_drop, the modern rule (docs/core.md §12): scan up to 8 consecutive buckets from the
 * new tuple's bucket and delete every confirmed, not ASSURED, not DYING entry of the
 * first chain that has any.
 */
function earlyDrop(net: Netns, raw: number): boolean {
  const table = net.table;
  let b = table.bucket(raw);
  for (let i = 0; i < NF_CT_EVICTION_RANGE; i++) {
    if (i > 0) b = (b + 1) % table.size;
    let drops = 0;
    let victims: Conn[] | null = null;
    for (let h = table.heads[b]; h !== null; h = h.next) {
      const ct = h.ct;
      if ((ct.status & (IPS_ASSURED | IPS_DYING)) !== 0 || (ct.status & IPS_CONFIRMED) === 0) continue;
      if (victims === null) victims = [];
      if (!victims.includes(ct)) victims.push(ct);
    }
    if (victims !== null) for (const ct of victims) if (nfCtDelete(ct, 0, 0)) drops++;
    if (drops > 0) {
      net.stats.early_drop += drops;
      return true;
    }
  }
  return false;
}

/**
 * nf_conntrack_confirm, the INT_MAX hook: insert a new conn into the table
 * (__nf_conntrack_confirm, docs/core.md §10), then deliver the events cached while the
 * packet was processed.
 */
export function nfConntrackConfirm(skb: Skb, _state: HookState): number {
  const ct = skb.ct;
  if (ct === null) return NF_ACCEPT;
  if ((ct.status & IPS_CONFIRMED) === 0) {
    const ret = confirm(ct, skb);
    if (ret !== NF_ACCEPT) return ret;
  }
  const n = ct.net.notifier;
  if (n !== null) n.deliverCached(skb.ct!);
  return NF_ACCEPT;
}

function confirm(ct: Conn, skb: Skb): number {
  // 1. A reply-direction packet never confirms (REJECT-attached).
  if (ctinfo2dir(skb.ctinfo) !== IP_CT_DIR_ORIGINAL) return NF_ACCEPT;
  const net = ct.net;
  const table = net.table;
  // 4. Being deleted already.
  if ((ct.status & IPS_DYING) !== 0) {
    net.stats.insert_failed++;
    return NF_DROP;
  }
  const rawOrig = table.rawHash(ct, ct.zone);
  const rawReply = table.rawHash(ct.reply, ct.zone);
  // 5. Clash search, with the chain limit.
  const maxChain = MIN_CHAINLEN + (net.idSeq % MAX_CHAINLEN);
  const hit =
    searchChain(net, ct, rawOrig, ct.zone, maxChain) ??
    searchChain(net, ct.reply, rawReply, ct.zone, maxChain);
  if (hit === CHAIN_TOO_LONG) {
    net.stats.chaintoolong++;
    net.stats.insert_failed++;
    return NF_DROP;
  }
  if (hit !== null) return clash(ct, hit.ct, skb);
  // 6. Relative timeout becomes a deadline; the table takes a reference.
  ct.timeout += net.jiffies;
  ct.use++;
  const ts = ct.ext?.[NF_CT_EXT_TSTAMP] as ConnTstamp | undefined;
  if (ts !== undefined) ts.startUs = net.nowUs;
  // 7. Link both directions, then mark confirmed and arm the timer.
  table.insert(ct, rawOrig, rawReply);
  ct.status |= IPS_CONFIRMED;
  net.timers.add(ct);
  // 8. Events.
  const help = ct.ext?.[NF_CT_EXT_HELPER] as ConnHelp | undefined;
  let events = ct.master !== null ? IPCT_RELATED : IPCT_NEW;
  if (help !== undefined && help.helper !== null) events |= IPCT_HELPER;
  nfConntrackEventCache(ct, events);
  return NF_ACCEPT;
}

const CHAIN_TOO_LONG = 0 as const;

/** Walk one chain at confirm: the equal confirmed entry, null, or CHAIN_TOO_LONG. */
function searchChain(
  net: Netns,
  t: Tuple,
  raw: number,
  zone: number,
  maxChain: number,
): TupleHash | null | typeof CHAIN_TOO_LONG {
  let len = 0;
  for (let h = net.table.heads[net.table.bucket(raw)]; h !== null; h = h.next) {
    if (tupleEqual(h, t) && h.ct.zone === zone) return h;
    if (++len > maxChain) return CHAIN_TOO_LONG;
  }
  return null;
}

/**
 * A conn equal to the one being confirmed is already in the table. TCP never resolves
 * this (insert_failed, DROP); UDP and ICMP attach the packet to the winner when the
 * two are the same flow (clash_resolve).
 */
function clash(loser: Conn, winner: Conn, skb: Skb): number {
  const net = loser.net;
  if (
    loser.l4proto.allowClash === true &&
    tupleEqual(loser, winner) &&
    tupleEqual(loser.reply, winner.reply) &&
    (winner.status & IPS_DYING) === 0
  ) {
    winner.use++;
    skb.ct = winner;
    skb.ctinfo = IP_CT_NEW;
    nfCtPut(loser);
    net.stats.clash_resolve++;
    return NF_ACCEPT;
  }
  net.stats.drop++;
  net.stats.insert_failed++;
  return NF_DROP;
}

/**
 * nf_ct_delete (docs/core.md §11): mark DYING, stop the tstamp at the deadline, send DESTROY
 * at once, unlink, drop expectations and the table's reference. False when already dying.
 */
export function nfCtDelete(ct: Conn, portid: number, report: number): boolean {
  if ((ct.status & IPS_DYING) !== 0) return false;
  ct.status |= IPS_DYING;
  const net = ct.net;
  const ts = ct.ext?.[NF_CT_EXT_TSTAMP] as ConnTstamp | undefined;
  // Expiry runs at the exact deadline, so "now" is already the modern stop time.
  if (ts !== undefined && ts.stopUs === 0) ts.stopUs = net.nowUs;
  const confirmed = (ct.status & IPS_CONFIRMED) !== 0;
  if (confirmed && net.notifier !== null) net.notifier.report(ct, IPCT_DESTROY, portid, report);
  const help = ct.ext?.[NF_CT_EXT_HELPER] as ConnHelp | undefined;
  if (help?.helper?.destroy !== undefined) help.helper.destroy(ct);
  if (confirmed) {
    net.table.remove(ct);
    net.timers.remove(ct);
  }
  net.expect?.removeFor(ct);
  if (confirmed) nfCtPut(ct);
  return true;
}

/** nf_ct_put: drop a reference; the last one frees the conn (nf_ct_destroy). */
export function nfCtPut(ct: Conn): void {
  if (--ct.use > 0) return;
  const net = ct.net;
  ct.l4proto.destroy?.(ct);
  net.expect?.removeFor(ct);
  const destroyers = net.kernel.extensions.destroyers;
  if (ct.ext !== null) for (const t of destroyers) if (ct.ext[t.id] !== undefined) t.destroy!(ct);
  if (ct.master !== null) {
    const m = ct.master;
    ct.master = null;
    nfCtPut(m);
  }
  net.count--;
}

/** Find a confirmed conn by tuple (nf_conntrack_find_get), without taking a reference. */
export function nfConntrackFind(net: Netns, tuple: Tuple, zone: number): TupleHash | null {
  return net.table.find(tuple, zone, net.table.rawHash(tuple, zone));
}

/** Attach `ct` to the skb with `ctinfo` (nf_ct_set), taking the packet's reference. */
export function nfCtSet(skb: Skb, ct: Conn, ctinfo: number): void {
  ct.use++;
  skb.ct = ct;
  skb.ctinfo = ctinfo;
}

/** ctinfo for a hit on `h` by an ICMP error: RELATED or RELATED_REPLY. */
export function relatedCtinfo(h: TupleHash): number {
  return h.dir === IP_CT_DIR_REPLY ? IP_CT_RELATED_REPLY : IP_CT_RELATED;
}

/** The helper hook at priority 300 (ipv4_helper): run the conn's helper, except for RELATED_REPLY. */
export function nfConntrackHelperHook(skb: Skb, state: HookState): number {
  const ct = skb.ct;
  if (ct === null || skb.ctinfo === IP_CT_RELATED_REPLY) return NF_ACCEPT;
  const help = ct.ext?.[NF_CT_EXT_HELPER] as ConnHelp | undefined;
  if (help === undefined || help.helper === null) return NF_ACCEPT;
  return help.helper.help(skb, skb.thoff, ct, skb.ctinfo, state.net);
}
