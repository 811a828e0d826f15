import {
  type Conn,
  ConnHelp,
  EXPECT_HASH_LEN,
  type ExpectHook,
  expectHashWords,
  extAdd,
  type Helper,
  hashKey,
  IndexedHeap,
  IPEXP_DESTROY,
  IPEXP_NEW,
  IPS_CONFIRMED,
  IPS_DYING,
  IPS_EXPECTED,
  type Netns,
  type NetTimerSource,
  NF_CT_EXT_HELPER,
  nfCtPut,
  nfctHelp,
  reciprocalScale,
  type Sysctl,
  siphash,
  type Tuple,
} from '@ctrack/core';
import {
  EALREADY,
  EBUSY,
  EMFILE,
  ESHUTDOWN,
  NF_CT_EXP_F_SKIP_MASTER,
  NF_CT_EXPECT_INACTIVE,
  NF_CT_EXPECT_PERMANENT,
  type NfConntrackExpect,
} from './expectation.js';

/** nf_ct_tuple_mask_cmp(t, exp.tuple, mask): masked source, exact destination, l3num, protonum. */
function maskCmp(t: Tuple, e: Tuple, srcMask: number, sportMask: number): boolean {
  return (
    ((t.src ^ e.src) & srcMask) === 0 &&
    ((t.sport ^ e.sport) & sportMask) === 0 &&
    t.dst === e.dst &&
    t.dport === e.dport &&
    ((t.meta ^ e.meta) & 0xffff) === 0
  );
}

/** expect_matches: equal tuples, equal masks, same zone (net is the table's). */
function expectMatches(a: NfConntrackExpect, b: NfConntrackExpect): boolean {
  const ta = a.tuple;
  const tb = b.tuple;
  return (
    ta.src === tb.src &&
    ta.sport === tb.sport &&
    ta.dst === tb.dst &&
    ta.dport === tb.dport &&
    ((ta.meta ^ tb.meta) & 0xffff) === 0 &&
    a.mask.src === b.mask.src &&
    a.mask.sport === b.mask.sport &&
    a.master.zone === b.master.zone
  );
}

/** expect_clash: equal on the intersection of both source masks, same destination and zone. */
function expectClash(a: NfConntrackExpect, b: NfConntrackExpect): boolean {
  return (
    maskCmp(a.tuple, b.tuple, a.mask.src & b.mask.src, a.mask.sport & b.mask.sport) &&
    a.master.zone === b.master.zone
  );
}

/**
 * One netns' expectation table (docs/expect.md §2–§5): the hash of the destination side
 * of the tuple (nf_ct_expect_dst_hash: SipHash of dst address, dport, l3num, protonum
 * under a random key, nf_ct_expect_hsize buckets, each newest first as a kernel bucket
 * is), every master's list (newest
 * first), the timers, and the ExpectHook the core calls from init_conntrack, delete
 * and helper unregister. A NetTimerSource: each expectation expires at its exact
 * deadline on the netns clock. It is registered with the netns only while it holds
 * expectations, so an empty table costs the packet path nothing.
 */
export class ExpectTable implements ExpectHook, NetTimerSource {
  readonly net: Netns;
  /** nf_conntrack_expect_max (global knob of the core). */
  private readonly max: Sysctl;
  /** nf_ct_expect_hash: linked expectations by bucket, newest first within each. */
  private readonly buckets: (NfConntrackExpect[] | undefined)[];
  /** nf_ct_expect_hsize: the conntrack table size / 256, at least 1, fixed at creation. */
  readonly hsize: number;
  /** nf_ct_expect_hashrnd (crypto) and the reused message words: nothing allocated per hash. */
  private readonly key = hashKey();
  private readonly words = new Int32Array(8);
  /** Each master's expectations, newest first (nf_conn_help.expectations). */
  private readonly byMaster = new Map<Conn, NfConntrackExpect[]>();
  /** Every linked expectation in insertion order (listing, flush, helper unregister). */
  private readonly all = new Set<NfConntrackExpect>();
  /** Timeouts ordered by (deadline, insertion). */
  private readonly timers = new ExpectTimers();
  private n = 0;
  private seq = 0;
  /** Expectations compared by lookups and insert checks (the work a flood costs; tests count it). */
  compared = 0;

  constructor(net: Netns) {
    this.net = net;
    this.max = net.sysctl.handle('nf_conntrack_expect_max');
    this.hsize = Math.max(1, Math.floor(net.table.size / 256));
    this.buckets = new Array<NfConntrackExpect[] | undefined>(this.hsize).fill(undefined);
  }

  /** nf_ct_expect_dst_hash: the bucket of the destination side of `t`. */
  private bucket(t: Tuple): number {
    expectHashWords(t, this.words);
    return reciprocalScale(siphash(this.words, EXPECT_HASH_LEN, this.key), this.hsize);
  }

  // --- ExpectHook -------------------------------------------------------------------

  count(): number {
    return this.n;
  }

  /** nf_ct_find_expectation + the EXPECTED setup of init_conntrack (docs/expect.md §4). */
  matchNew(ct: Conn): boolean {
    const exp = this.lookup(ct, ct.zone, true);
    if (exp === null) return false;
    const master = exp.master;
    // 1. A master not confirmed yet: the other end cannot know about it.
    if ((master.status & IPS_CONFIRMED) === 0) return false;
    // 2. A dying master (or one being freed) gives nothing.
    if ((master.status & IPS_DYING) !== 0 || master.use <= 0) return false;
    master.use++;
    // 3. Take it: PERMANENT ones stay; others are unlinked now (IPEXP_DESTROY).
    if ((exp.flags & NF_CT_EXPECT_PERMANENT) !== 0) {
      exp.use++;
    } else if (exp.linked) {
      this.timers.delete(exp);
      this.unlink(exp, 0, 0, false);
    } else {
      nfCtPut(master);
      return false;
    }
    // 4. The new conn.
    ct.status |= IPS_EXPECTED;
    ct.master = master;
    if (exp.helper !== null) {
      const help = nfctHelp(ct) ?? extAdd(ct, NF_CT_EXT_HELPER, new ConnHelp());
      help.helper = exp.helper;
    }
    ct.mark = master.mark;
    ct.secmark = master.secmark;
    this.net.stats.expect_new++;
    // 5. The conn holds its reference (core set use = 1): expectfn, then drop ours.
    if (exp.expectfn !== null) exp.expectfn(ct, exp);
    exp.use--;
    return true;
  }

  /** nf_ct_remove_expectations: every expectation `ct` is master of, newest first. */
  removeFor(ct: Conn): void {
    if (this.n === 0) return;
    const list = this.byMaster.get(ct);
    if (list === undefined) return;
    for (const exp of [...list]) this.remove(exp);
  }

  /** Helper unregister: expectations for or by `helper` (expect_iter_me). */
  removeByHelper(helper: Helper): void {
    for (const exp of [...this.all]) {
      if (exp.helper === helper || nfctHelp(exp.master)?.helper === helper) this.remove(exp);
    }
  }

  // --- the table ----------------------------------------------------------------------

  /**
   * The first linked expectation (newest first) matching `t` in `zone`. With
   * `activeOnly`, INACTIVE ones are skipped (nf_ct_find_expectation); without, it is
   * __nf_ct_expect_find.
   */
  lookup(t: Tuple, zone: number, activeOnly: boolean): NfConntrackExpect | null {
    if (this.n === 0) return null;
    const list = this.buckets[this.bucket(t)];
    if (list === undefined) return null;
    for (const i of list) {
      this.compared++;
      if (activeOnly && (i.flags & NF_CT_EXPECT_INACTIVE) !== 0) continue;
      if (maskCmp(t, i.tuple, i.mask.src, i.mask.sport) && i.master.zone === zone) return i;
    }
    return null;
  }

  /** Linked expectations, oldest first (`conntrack -L expect`). */
  list(): NfConntrackExpect[] {
    return [...this.all];
  }

  /** Expectations whose master is `ct`, newest first. */
  expectationsOf(ct: Conn): readonly NfConntrackExpect[] {
    return this.byMaster.get(ct) ?? [];
  }

  /**
   * nf_ct_expect_related_report (docs/expect.md §3): check, then insert and send
   * IPEXP_NEW. Returns 0 or a negated errno (-ESHUTDOWN, -EALREADY, -EBUSY, -EMFILE);
   * on an error the caller keeps its object.
   */
  related(exp: NfConntrackExpect, portid = 0, report = 0, flags = 0): number {
    const ret = this.check(exp, flags);
    if (ret < 0) return ret;
    this.insert(exp);
    this.net.notifier?.expectEvent(exp, IPEXP_NEW, portid, report);
    return 0;
  }

  /** __nf_ct_expect_check */
  private check(expect: NfConntrackExpect, flags: number): number {
    const master = expect.master;
    const help = nfctHelp(master);
    if (help === undefined) return -ESHUTDOWN;
    const list = this.buckets[this.bucket(expect.tuple)];
    if (list !== undefined) {
      for (const i of [...list]) {
        this.compared++;
        if (
          ((flags & NF_CT_EXP_F_SKIP_MASTER) !== 0 || i.master === expect.master) &&
          expectMatches(i, expect)
        ) {
          if (i.class !== expect.class || i.master !== expect.master) return -EALREADY;
          if (this.remove(i)) break;
        } else if (expectClash(i, expect)) {
          return -EBUSY;
        }
      }
    }
    const helper = help.helper;
    if (helper !== null) {
      const p = helper.expectPolicy[expect.class];
      if (p !== undefined && p.maxExpected !== 0 && help.expecting[expect.class]! >= p.maxExpected) {
        this.evictOldest(master, expect.class);
        if (help.expecting[expect.class]! >= p.maxExpected) return -EMFILE;
      }
    }
    if (this.n >= this.max.value) {
      this.net.kernel.logRatelimited(this.net, 'nf_conntrack: expectation table full');
      return -EMFILE;
    }
    return 0;
  }

  /** evict_oldest_expect: the last (oldest) of the master's list with that class. */
  private evictOldest(master: Conn, klass: number): void {
    const list = this.byMaster.get(master);
    if (list === undefined) return;
    for (let k = list.length - 1; k >= 0; k--) {
      if (list[k]!.class === klass) {
        this.remove(list[k]!);
        return;
      }
    }
  }

  /** nf_ct_expect_insert */
  private insert(exp: NfConntrackExpect): void {
    const master = exp.master;
    const help = nfctHelp(master)!;
    exp.use += 2;
    const helper = help.helper;
    if (helper !== null)
      exp.timeout = this.net.jiffies + helper.expectPolicy[exp.class]!.timeout * this.net.hz;
    exp.seq = ++this.seq;
    this.timers.insert(exp);
    let ml = this.byMaster.get(master);
    if (ml === undefined) this.byMaster.set(master, (ml = []));
    ml.unshift(exp);
    help.expecting[exp.class]!++;
    exp.bucket = this.bucket(exp.tuple);
    let dl = this.buckets[exp.bucket];
    if (dl === undefined) this.buckets[exp.bucket] = dl = [];
    dl.unshift(exp);
    this.all.add(exp);
    exp.linked = true;
    // The netns consults timer sources only while one is registered: register while non-empty.
    if (this.n++ === 0) this.net.addTimerSource(this);
    this.net.stats.expect_create++;
  }

  /**
   * nf_ct_remove_expect: stop the timer and unlink (IPEXP_DESTROY). False when it was
   * not linked any more (the timer already fired).
   */
  remove(exp: NfConntrackExpect, portid = 0, report = 0): boolean {
    if (!exp.linked) return false;
    this.timers.delete(exp);
    this.unlink(exp, portid, report, true);
    return true;
  }

  /** nf_ct_unlink_expect_report (+ the put of the timer's reference). */
  private unlink(exp: NfConntrackExpect, portid: number, report: number, putTimer: boolean): void {
    const master = exp.master;
    const help = nfctHelp(master);
    exp.linked = false;
    const dl = this.buckets[exp.bucket];
    if (dl !== undefined) dl.splice(dl.indexOf(exp), 1);
    this.all.delete(exp);
    if (--this.n === 0) this.net.removeTimerSource(this);
    removeFrom(this.byMaster, master, exp);
    if (help !== undefined) help.expecting[exp.class]!--;
    this.net.notifier?.expectEvent(exp, IPEXP_DESTROY, portid, report);
    exp.use--; // the hash's reference
    if (putTimer) exp.use--;
    this.net.stats.expect_delete++;
  }

  /** `conntrack -F expect`: unlink every expectation (with `portid` as requester). */
  flush(portid = 0, report = 0): number {
    let k = 0;
    for (const exp of [...this.all]) if (this.remove(exp, portid, report)) k++;
    return k;
  }

  /** Netns exit: forget everything without events. */
  clear(): void {
    for (const exp of this.all) {
      exp.linked = false;
      const help = nfctHelp(exp.master);
      if (help !== undefined) help.expecting[exp.class] = 0;
    }
    this.all.clear();
    this.buckets.fill(undefined);
    this.byMaster.clear();
    this.timers.clear();
    this.n = 0;
    this.net.removeTimerSource(this);
  }

  // --- timers (NetTimerSource) --------------------------------------------------------

  /** Deadline of the next expectation timeout (jiffies), Infinity when none. */
  get next(): number {
    return this.timers.peek()?.timeout ?? Number.POSITIVE_INFINITY;
  }

  /** nf_ct_expectation_timed_out for every expectation due at `now`. */
  run(now: number): void {
    for (let exp = this.timers.peek(); exp !== undefined && exp.timeout <= now; exp = this.timers.peek()) {
      this.timers.delete(exp);
      this.unlink(exp, 0, 0, true);
    }
  }
}

function removeFrom<K>(m: Map<K, NfConntrackExpect[]>, key: K, exp: NfConntrackExpect): void {
  const l = m.get(key);
  if (l === undefined) return;
  const i = l.indexOf(exp);
  if (i >= 0) l.splice(i, 1);
  if (l.length === 0) m.delete(key);
}

/** The expectations' timeouts: earliest deadline first, ties in insertion order. */
class ExpectTimers extends IndexedHeap<NfConntrackExpect> {
  protected less(a: NfConntrackExpect, b: NfConntrackExpect): boolean {
    return a.timeout < b.timeout || (a.timeout === b.timeout && a.seq < b.seq);
  }

  protected indexOf(exp: NfConntrackExpect): number {
    return exp.heapIndex;
  }

  protected setIndex(exp: NfConntrackExpect, i: number): void {
    exp.heapIndex = i;
  }
}
