import {
  CtError,
  csumFold,
  csumPartial,
  defineToken,
  type HookState,
  HZ,
  IP_CT_UNTRACKED,
  jhash3wordsInt,
  type Netns,
  type NetTimerSource,
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  NF_STOLEN,
  type Skb,
  type Sysctl,
  type SysctlDef,
  type Token,
} from '@ctrack/core';
import {
  fragTruesize,
  INET_FRAG_FIRST_IN,
  INET_FRAG_LAST_IN,
  IP_DEFRAG_CONNTRACK_IN,
  IP_DEFRAG_CONNTRACK_OUT,
  IPFRAG_HIGH_THRESH,
  IPFRAG_LOW_THRESH,
  IPFRAG_MAX_DIST,
  IPFRAG_SECRET_INTERVAL,
  IPFRAG_TIME,
  IPQ_SIZE,
} from './constants.js';
import { type Frag, FragQueue, IPFRAG_DUP, IPFRAG_OVERLAP, type Peer } from './queue.js';

/** IPv4 MIB reassembly counters (`nstat`: IpReasm*, IpExtReasmOverlaps), docs/defrag.md §8. */
export interface ReasmMib {
  ReasmReqds: number;
  ReasmOKs: number;
  ReasmFails: number;
  ReasmTimeout: number;
  ReasmOverlaps: number;
}

/** Key of a fragment queue (docs/defrag.md §2). Addresses are int32 like tuple addresses. */
export interface FragKey {
  saddr: number;
  daddr: number;
  id: number;
  protocol: number;
  /** ip_defrag_users value: CONNTRACK_IN + zone or CONNTRACK_OUT + zone. */
  user: number;
  vif: number;
}

/**
 * A queue expired (docs/defrag.md §7). The host would send ICMP time exceeded, code 1,
 * quoting `firstFragment`, when `sendsIcmp` (first fragment seen and the datagram is
 * addressed to this host); a tracker cannot send packets itself, so it reports.
 */
export interface ReasmTimeoutReport {
  /** Jiffy the queue expired at (its deadline). */
  at: number;
  key: FragKey;
  firstFragmentSeen: boolean;
  /** As told by `DefragNet.isLocal` (false without it). */
  destinationIsLocal: boolean;
  sendsIcmp: boolean;
  /** The offset-0 fragment (IP header + its queued payload), or null. */
  firstFragment: Uint8Array | null;
}

/** Why a fragment did not come back as a datagram (skb.invalidReason; static strings). */
export const DEFRAG_REASONS = {
  queued: 'ip_defrag: fragment queued',
  dup: 'ip_defrag: duplicate fragment dropped',
  overlap: 'ip_defrag: overlapping fragment, queue discarded',
  bad: 'ip_defrag: bad fragment length or end, queue discarded',
  mem: 'ip_defrag: over ipfrag_high_thresh, fragment dropped',
  ecn: 'ip_defrag: ECN Not-ECT mixed with ECT/CE, reassembly failed',
  oversize: 'ip_defrag: oversized datagram (> 65535), reassembly failed',
} as const;

const INT_MAX = 2147483647;
const JIFFIES_MAX_SECONDS = Math.floor(INT_MAX / HZ);

/** ip_frag_ecn_table: OR of 1 << ECN → ECN bits for the result, 0xff = drop. */
const ECN_TABLE = (() => {
  const t = new Uint8Array(16);
  const NOT = 1;
  const E1 = 2;
  const E0 = 4;
  const CE = 8;
  t[CE | E0] = 3;
  t[CE | E1] = 3;
  t[CE | E0 | E1] = 3;
  for (const x of [CE, E0, E1, E0 | E1, CE | E0, CE | E1, CE | E0 | E1]) t[NOT | x] = 0xff;
  return t;
})();

/**
 * A netns' reassembly state as other packages see it: the MIB, memory and queue
 * counts, and the timeout-report hooks. An interface, so every copy of @ctrack/defrag
 * agrees on it.
 */
export interface DefragState {
  readonly mib: ReasmMib;
  /** Memory in use (frag_mem_limit). */
  readonly mem: number;
  /** Live queues. */
  readonly count: number;
  /** Tells whether a destination address (int32) is this host's (for the timeout report). */
  isLocal: ((daddr: number) => boolean) | null;
  /** Receivers of queue-timeout reports. */
  readonly onTimeout: Array<(r: ReasmTimeoutReport) => void>;
}

/** The per-netns reassembly state, provided by nf_defrag_ipv4's initNet. */
export const DEFRAG_NET: Token<DefragState> = defineToken('ctrack.defrag.net');

/**
 * The same object with its queues, for this package's own hook (not exported from the
 * package: the hook that reads it is the one registered by the module that provided it).
 */
export const DEFRAG_QUEUES: Token<DefragNet> = defineToken('ctrack.defrag.queues');

/** The defrag state of a netns; ENOENT when nf_defrag_ipv4 is not loaded there. */
export function defragOf(net: Netns): DefragState {
  const d = net.find(DEFRAG_NET);
  if (d === undefined) throw new CtError('ENOENT', 'nf_defrag_ipv4 is not loaded in this netns');
  return d;
}

/** Per-netns IPv4 reassembly (the netns' fqdir for conntrack's users). */
export class DefragNet implements NetTimerSource, DefragState {
  readonly mib: ReasmMib = { ReasmReqds: 0, ReasmOKs: 0, ReasmFails: 0, ReasmTimeout: 0, ReasmOverlaps: 0 };
  /** Memory in use (frag_mem_limit), by the cost model of constants.ts. */
  mem = 0;
  /** Live queues. */
  count = 0;
  /** Tells whether a destination address (int32) is this host's (for the timeout report). */
  isLocal: ((daddr: number) => boolean) | null = null;
  /** Receivers of queue-timeout reports. */
  readonly onTimeout: Array<(r: ReasmTimeoutReport) => void> = [];
  /** "Max fragment size" of the last reassembled datagram (IPCB frag_max_size), and its DF flag. */
  lastFragMaxSize = 0;

  readonly time: Sysctl;
  readonly highThresh: Sysctl;
  readonly lowThresh: Sysctl;
  readonly maxDist: Sysctl;

  private readonly table = new Map<number, FragQueue>();
  private readonly peers = new Map<number, Peer>();
  private readonly seed: number;
  private thead: FragQueue | null = null;
  private ttail: FragQueue | null = null;
  private readonly sysctlNames: string[] = [];

  constructor(readonly net: Netns) {
    this.seed = (Math.random() * 0x100000000) | 0;
    let high = 4194304;
    let low = 3145728;
    const reg = (def: SysctlDef): Sysctl => {
      const s = net.sysctl.register(def);
      this.sysctlNames.push(def.name);
      return s;
    };
    // proc_doulongvec_minmax with extra1 = &low_thresh: high ≥ low.
    this.highThresh = reg({
      name: IPFRAG_HIGH_THRESH,
      default: high,
      max: Number.MAX_SAFE_INTEGER,
      onWrite: (v) => {
        if (v < low) {
          this.highThresh.value = high;
          throw new CtError('EINVAL', `sysctl ${IPFRAG_HIGH_THRESH}: ${v} is below ipfrag_low_thresh ${low}`);
        }
        high = v;
      },
    });
    // extra2 = &high_thresh: low ≤ high (obsolete otherwise: no eviction down to it).
    this.lowThresh = reg({
      name: IPFRAG_LOW_THRESH,
      default: low,
      max: Number.MAX_SAFE_INTEGER,
      onWrite: (v) => {
        if (v > high) {
          this.lowThresh.value = low;
          throw new CtError(
            'EINVAL',
            `sysctl ${IPFRAG_LOW_THRESH}: ${v} is above ipfrag_high_thresh ${high}`,
          );
        }
        low = v;
      },
    });
    // proc_dointvec_jiffies: seconds, |v| ≤ INT_MAX / HZ.
    this.time = reg({
      name: IPFRAG_TIME,
      default: 30,
      seconds: true,
      min: -JIFFIES_MAX_SECONDS,
      max: JIFFIES_MAX_SECONDS,
    });
    this.maxDist = reg({ name: IPFRAG_MAX_DIST, default: 64, min: 0, max: INT_MAX });
    // ip4_frags_ctl_table: registered in init_net only, no effect.
    if (net.isInitNet) {
      reg({
        name: IPFRAG_SECRET_INTERVAL,
        default: 0,
        seconds: true,
        min: -JIFFIES_MAX_SECONDS,
        max: JIFFIES_MAX_SECONDS,
      });
    }
    net.addTimerSource(this);
  }

  /** Undo the constructor (exitNet): free every queue, drop the knobs and the timer source. */
  destroy(): void {
    while (this.thead !== null) this.kill(this.thead);
    this.net.removeTimerSource(this);
    for (const n of this.sysctlNames) this.net.sysctl.unregister(n);
  }

  // --- timer source --------------------------------------------------------------------

  get next(): number {
    return this.thead === null ? Infinity : this.thead.deadline;
  }

  /** ip_expire for every queue due by `now`, each at its own deadline. */
  run(now: number): void {
    for (let q = this.thead; q !== null && q.deadline <= now; q = this.thead) this.expire(q);
  }

  // --- the hook ------------------------------------------------------------------------

  /**
   * ip_defrag for one fragment: true = the fragment was taken (queued or freed: the
   * caller returns NF_STOLEN); false = `skb` is now the whole datagram.
   */
  gather(skb: Skb, user: number): boolean {
    const d = skb.data;
    const o = skb.nhoff;
    const len = skb.len;
    const ihl = (d[o]! & 0x0f) << 2;
    this.mib.ReasmReqds++;
    const high = this.highThresh.value;
    if (high === 0 || this.mem > high) {
      this.mib.ReasmFails++;
      skb.invalidReason = DEFRAG_REASONS.mem;
      return true;
    }
    const saddr = (d[o + 12]! << 24) | (d[o + 13]! << 16) | (d[o + 14]! << 8) | d[o + 15]!;
    const daddr = (d[o + 16]! << 24) | (d[o + 17]! << 16) | (d[o + 18]! << 8) | d[o + 19]!;
    const id = (d[o + 4]! << 8) | d[o + 5]!;
    const protocol = d[o + 9]!;
    const vif = 0;
    const hash = jhash3wordsInt(
      saddr,
      daddr,
      ((id << 16) | protocol) ^ Math.imul(user, 0x9e3779b1),
      this.seed,
    );
    let q = this.table.get(hash) ?? null;
    while (q !== null && !q.matches(saddr, daddr, id, protocol, user, vif)) q = q.chain;
    if (q === null) q = this.create(saddr, daddr, id, protocol, user, vif, hash);

    // ip_frag_queue
    if (q.peer !== null) {
      const max = this.maxDist.value;
      if (max !== 0) {
        const start = q.rid;
        const end = (q.peer.rid + 1) >>> 0;
        q.peer.rid = end;
        q.rid = end;
        if (q.lastRun !== null && (end - start) >>> 0 > max) {
          this.mib.ReasmFails++;
          this.reinit(q);
        }
      }
    }
    const fo = (d[o + 6]! << 8) | d[o + 7]!;
    const offset = (fo & 0x1fff) << 3;
    let end = offset + len - ihl;
    if ((fo & 0x2000) === 0) {
      // The last fragment: data beyond it, or a different end, is corruption.
      if (end < q.len || ((q.flags & INET_FRAG_LAST_IN) !== 0 && end !== q.len)) return this.discard(q, skb);
      q.flags |= INET_FRAG_LAST_IN;
      q.len = end;
    } else {
      if ((end & 7) !== 0) end &= ~7;
      if (end > q.len) {
        if ((q.flags & INET_FRAG_LAST_IN) !== 0) return this.discard(q, skb);
        q.len = end;
      }
    }
    if (end === offset) return this.discard(q, skb);

    const p = o + ihl;
    const frag: Frag = {
      offset,
      end,
      payload: d.slice(p, p + (end - offset)),
      header: offset === 0 ? d.slice(o, p) : null,
      truesize: fragTruesize(len),
    };
    const r = q.insert(frag);
    if (r === IPFRAG_DUP) {
      skb.invalidReason = DEFRAG_REASONS.dup;
      return true;
    }
    if (r === IPFRAG_OVERLAP) {
      this.mib.ReasmOverlaps++;
      return this.discard(q, skb, DEFRAG_REASONS.overlap);
    }
    if (skb.ifindex !== 0) q.iif = skb.ifindex;
    q.stampUs = skb.tstampUs;
    q.meat += end - offset;
    q.ecn |= 1 << (d[o + 1]! & 3);
    q.fragMem += frag.truesize;
    this.mem += frag.truesize;
    if (offset === 0) q.flags |= INET_FRAG_FIRST_IN;
    const fragsize = end - offset + ihl;
    if (fragsize > q.maxSize) q.maxSize = fragsize;
    if ((fo & 0x4000) !== 0 && fragsize > q.maxDfSize) q.maxDfSize = fragsize;
    if (q.flags === (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) && q.meat === q.len) return this.reasm(q, skb);
    skb.invalidReason = DEFRAG_REASONS.queued;
    return true;
  }

  /** ip_frag_reasm: the queue leaves the table; on success `skb` becomes the datagram. */
  private reasm(q: FragQueue, skb: Skb): boolean {
    this.kill(q);
    const ecn = ECN_TABLE[q.ecn]!;
    if (ecn === 0xff) {
      this.mib.ReasmFails++;
      skb.invalidReason = DEFRAG_REASONS.ecn;
      return true;
    }
    const head = q.head()!;
    const ihl = head.header!.length;
    const total = ihl + q.len;
    if (total > 65535) {
      this.log(`Oversized IP packet from ${ipStr(q.saddr)}`);
      this.mib.ReasmFails++;
      skb.invalidReason = DEFRAG_REASONS.oversize;
      return true;
    }
    const out = new Uint8Array(total);
    out.set(head.header!, 0);
    for (const run of q.runs) for (const f of run.frags) out.set(f.payload, ihl + f.offset);
    out[2] = total >>> 8;
    out[3] = total & 0xff;
    out[1] = out[1]! | ecn;
    out[6] = q.maxDfSize === q.maxSize ? 0x40 : 0;
    out[7] = 0;
    out[10] = 0;
    out[11] = 0;
    const sum = csumFold(csumPartial(out, 0, ihl));
    out[10] = sum >>> 8;
    out[11] = sum & 0xff;
    this.lastFragMaxSize = Math.max(q.maxDfSize, q.maxSize);
    skb.data = out;
    skb.nhoff = 0;
    skb.len = total;
    skb.tstampUs = q.stampUs;
    this.mib.ReasmOKs++;
    return false;
  }

  // --- queues ----------------------------------------------------------------------------

  private create(
    saddr: number,
    daddr: number,
    id: number,
    protocol: number,
    user: number,
    vif: number,
    hash: number,
  ): FragQueue {
    const q = new FragQueue(saddr, daddr, id, protocol, user, vif, hash);
    if (this.maxDist.value !== 0) {
      let peer = this.peers.get(saddr);
      if (peer === undefined) {
        peer = { saddr, rid: 0, refs: 0 };
        this.peers.set(saddr, peer);
      }
      peer.refs++;
      q.peer = peer;
    }
    q.chain = this.table.get(hash) ?? null;
    this.table.set(hash, q);
    this.count++;
    this.mem += IPQ_SIZE;
    this.arm(q, this.net.jiffies + this.timeoutJiffies());
    return q;
  }

  private timeoutJiffies(): number {
    // A timer due now or earlier fires at the next tick.
    return Math.max(this.time.value * HZ, 1);
  }

  /** ip_frag_reinit (max_dist): drop every fragment, clear the state, restart the timer. */
  private reinit(q: FragQueue): void {
    this.unarm(q);
    this.arm(q, this.net.jiffies + this.timeoutJiffies());
    this.mem -= q.purge();
    q.flags = 0;
    q.len = 0;
    q.meat = 0;
    q.iif = 0;
    q.ecn = 0;
  }

  /** discard_qp: the queue and this fragment go, ReasmFails++. */
  private discard(q: FragQueue, skb: Skb, reason: string = DEFRAG_REASONS.bad): boolean {
    this.kill(q);
    this.mib.ReasmFails++;
    skb.invalidReason = reason;
    return true;
  }

  /** inet_frag_kill + free: out of the table and the timer list, memory returned. */
  private kill(q: FragQueue): void {
    const first = this.table.get(q.hash);
    if (first === q) {
      if (q.chain === null) this.table.delete(q.hash);
      else this.table.set(q.hash, q.chain);
    } else {
      let p = first ?? null;
      while (p !== null && p.chain !== q) p = p.chain;
      if (p !== null) p.chain = q.chain;
    }
    q.chain = null;
    this.unarm(q);
    this.count--;
    this.mem -= IPQ_SIZE + q.fragMem;
    q.fragMem = 0;
    const peer = q.peer;
    if (peer !== null) {
      q.peer = null;
      if (--peer.refs === 0) this.peers.delete(peer.saddr);
    }
  }

  /** ip_expire: ReasmFails++, ReasmTimeout++, report (ICMP 11/1 is the host's business). */
  private expire(q: FragQueue): void {
    const head = (q.flags & INET_FRAG_FIRST_IN) !== 0 ? q.head() : null;
    this.kill(q);
    this.mib.ReasmFails++;
    this.mib.ReasmTimeout++;
    if (this.onTimeout.length === 0) return;
    let first: Uint8Array | null = null;
    if (head !== null) {
      first = new Uint8Array(head.header!.length + head.payload.length);
      first.set(head.header!, 0);
      first.set(head.payload, head.header!.length);
    }
    const local = this.isLocal?.(q.daddr) === true;
    const firstSeen = (q.flags & INET_FRAG_FIRST_IN) !== 0;
    const report: ReasmTimeoutReport = {
      at: q.deadline,
      key: { saddr: q.saddr, daddr: q.daddr, id: q.id, protocol: q.protocol, user: q.user, vif: q.vif },
      firstFragmentSeen: firstSeen,
      destinationIsLocal: local,
      sendsIcmp: firstSeen && local,
      firstFragment: first,
    };
    for (const cb of this.onTimeout) cb(report);
  }

  /** Insert into the deadline-ordered list (from the tail: deadlines mostly grow). */
  private arm(q: FragQueue, deadline: number): void {
    q.deadline = deadline;
    let p = this.ttail;
    while (p !== null && p.deadline > deadline) p = p.tprev;
    q.tprev = p;
    q.tnext = p === null ? this.thead : p.tnext;
    if (q.tnext !== null) q.tnext.tprev = q;
    else this.ttail = q;
    if (p !== null) p.tnext = q;
    else this.thead = q;
  }

  private unarm(q: FragQueue): void {
    if (q.tprev !== null) q.tprev.tnext = q.tnext;
    else if (this.thead === q) this.thead = q.tnext;
    if (q.tnext !== null) q.tnext.tprev = q.tprev;
    else if (this.ttail === q) this.ttail = q.tprev;
    q.tprev = null;
    q.tnext = null;
  }

  /** net_info_ratelimited: the kernel-wide net_ratelimit state (10 lines per 5 s). */
  private log(line: string): void {
    this.net.kernel.logRatelimited(this.net, line);
  }

  /** Live queues' keys (for listings and tests). */
  queues(): FragKey[] {
    const out: FragKey[] = [];
    for (let q = this.thead; q !== null; q = q.tnext)
      out.push({ saddr: q.saddr, daddr: q.daddr, id: q.id, protocol: q.protocol, user: q.user, vif: q.vif });
    return out;
  }
}

function ipStr(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * ipv4_conntrack_defrag (priority -400 on PRE_ROUTING and LOCAL_OUT): fragments are
 * taken (NF_STOLEN) until their datagram completes; the completing fragment continues
 * as the whole datagram. Untracked packets (a notrack rule before -400) pass as they are.
 */
export function ipv4ConntrackDefrag(skb: Skb, state: HookState): number {
  const d = skb.data;
  const o = skb.nhoff;
  if (skb.len < 20 || o + 20 > d.length) return NF_ACCEPT;
  // ip_is_fragment: MF or a fragment offset.
  if (((d[o + 6]! & 0x3f) | d[o + 7]!) === 0) return NF_ACCEPT;
  if (skb.ctinfo === IP_CT_UNTRACKED) return NF_ACCEPT;
  // Not a sane IPv4 header (ip_rcv never lets one through): leave it to conntrack.
  const ihl = (d[o]! & 0x0f) << 2;
  if (d[o]! >>> 4 !== 4 || ihl < 20 || ihl > skb.len || o + skb.len > d.length) return NF_ACCEPT;
  const dn = state.net.find(DEFRAG_QUEUES);
  if (dn === undefined) return NF_ACCEPT;
  const user =
    (state.hook === NF_INET_PRE_ROUTING ? IP_DEFRAG_CONNTRACK_IN : IP_DEFRAG_CONNTRACK_OUT) + skb.zone;
  if (dn.gather(skb, user)) {
    skb.stolen = true;
    return NF_STOLEN;
  }
  return NF_ACCEPT;
}
