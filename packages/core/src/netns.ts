import type { DependencyContainer } from 'tsyringe';
import type { Clock } from './clock.js';
import type { Conn } from './conn.js';
import { nfCtDelete, nfCtPut } from './conntrack-core.js';
import {
  HZ,
  IP_CT_INVALID,
  NF_ACCEPT,
  NF_INET_FORWARD,
  NF_INET_LOCAL_IN,
  NF_INET_LOCAL_OUT,
  NF_INET_POST_ROUTING,
  NF_INET_PRE_ROUTING,
  NF_REPEAT,
  NF_STOLEN,
  NFPROTO_IPV4,
  US_PER_JIFFY,
} from './constants.js';
import { CtError } from './errors.js';
import type { ExpectHook } from './expect-point.js';
import { ConntrackGc } from './gc.js';
import type { HookOps, HookState } from './hooks.js';
import type { Kernel } from './kernel.js';
import type { EventNotifier } from './notifier.js';
import { ServiceSlots } from './services.js';
import type { Skb } from './skb.js';
import { Stats } from './stats.js';
import { CORE_SYSCTLS, type Sysctl, SysctlTable } from './sysctl.js';
import { ConntrackTable } from './table.js';
import type { NetTimerSource } from './timer-source.js';
import { Timers } from './timers.js';
import type { Token } from './token.js';
import { Tuple } from './tuple.js';

export interface NetnsOptions {
  /** Injected clock (VirtualClock for replay, RealClock live). */
  clock: Clock;
  /** Fixes the table's SipHash key for a reproducible bucket order; omitted, the key is random (crypto). */
  hashSeed?: number;
  /** Seed of the conn id sequence (ids are jhash of a counter with this key). */
  idSeed?: number;
  /** Namespace number printed in "table full in netns %u". */
  inum?: number;
}

/**
 * A network namespace: its own table, sysctls, stats, expectations, timers and event
 * notifier slot, in a tsyringe child container of the kernel's root container. Two
 * namespaces never share state.
 */
export class Netns {
  readonly kernel: Kernel;
  readonly container: DependencyContainer;
  readonly clock: Clock;
  readonly isInitNet: boolean;
  readonly inum: number;
  readonly sysctl: SysctlTable;
  readonly stats = new Stats();
  readonly timers = new Timers();
  table: ConntrackTable;
  /** Conns allocated in this netns, confirmed or not (nf_conntrack_count). */
  count = 0;
  /**
   * Clock of the packet being processed, in jiffies and microseconds. `jiffies` counts
   * from `jiffiesOrigin` (the whole jiffy of the clock when the netns was made), so
   * jiffies, timeouts and deadlines stay small integers (no heap numbers); `nowUs` is
   * the wall clock. Wall time of a jiffy j: (j + jiffiesOrigin) * US_PER_JIFFY.
   */
  jiffies = 0;
  nowUs = 0;
  /** The absolute jiffy (µs since the epoch / US_PER_JIFFY) that `jiffies` 0 stands for. */
  get jiffiesOrigin(): number {
    return this.origin;
  }
  private origin: number;
  readonly hz = HZ;
  /** Event notifier slot (ecache); one per netns, EBUSY for a second. */
  notifier: EventNotifier | null = null;
  /** Expectation lookup point (expect); null = no expectations. */
  expect: ExpectHook | null = null;
  /** Hot-path handles of core knobs. */
  readonly max: Sysctl;
  readonly checksum: Sysctl;
  readonly logInvalid: Sysctl;
  readonly acct: Sysctl;
  readonly tstamp: Sysctl;
  readonly events: Sysctl;
  readonly genericTimeout: Sysctl;
  /** Scratch tuples for the packet path (never escape it). */
  readonly scratch = new Tuple();
  readonly scratchReply = new Tuple();
  /** Set by early drop when nothing could be evicted (GC then evicts near 95 %). */
  earlyDropFlag = false;
  /** Timed work registered by modules (expectations, fragment queues). */
  private readonly sources: NetTimerSource[] = [];
  /** The GC worker's schedule on this netns' clock. */
  readonly gc: ConntrackGc;
  /**
   * Number of the packet on the hooks: counted up by each `input`/`output`/`forward`;
   * a sharded replay sets it to the packet's number in the whole capture (less one)
   * before the call. Conn sequence numbers (and so ids) derive from it.
   */
  packetSeq = 0;
  /** The last conn sequence number allocated (ids are jhash of it with a per-netns key). */
  idSeq = 0;
  readonly idSeed: number;
  private readonly state: HookState;
  private readonly services: ServiceSlots;
  private running = false;
  /** The clock's time slot when it has one (VirtualClock), else null: read without a call. */
  private readonly clockCell: Float64Array | null;
  /**
   * The jiffy of the last full clock sync and the µs interval [jiffyStartUs, jiffyEndUs)
   * it covers: a packet in the same jiffy with nothing due skips the division and the
   * timer checks but the cheap ones.
   */
  private syncedJiffy = 0;
  private jiffyStartUs = 0;
  private jiffyEndUs = 0;

  constructor(kernel: Kernel, container: DependencyContainer, isInitNet: boolean, opts: NetnsOptions) {
    this.kernel = kernel;
    this.container = container;
    this.clock = opts.clock;
    this.isInitNet = isInitNet;
    this.inum = opts.inum ?? 0;
    this.idSeed = (opts.idSeed ?? (Math.random() * 0x100000000) >>> 0) >>> 0;
    this.sysctl = new SysctlTable(isInitNet);
    for (const def of CORE_SYSCTLS)
      this.sysctl.register(def, def.global ? kernel.globalSysctl(def) : undefined);
    this.sysctl.register({ name: 'nf_conntrack_count', default: 0, readonly: true, read: () => this.count });
    this.max = this.sysctl.handle('nf_conntrack_max');
    this.checksum = this.sysctl.handle('nf_conntrack_checksum');
    this.logInvalid = this.sysctl.handle('nf_conntrack_log_invalid');
    this.acct = this.sysctl.handle('nf_conntrack_acct');
    this.tstamp = this.sysctl.handle('nf_conntrack_timestamp');
    this.events = this.sysctl.handle('nf_conntrack_events');
    this.genericTimeout = this.sysctl.handle('nf_conntrack_generic_timeout');
    // No seed: a random 128-bit key from crypto (nf_conntrack_hash_rnd).
    this.table = new ConntrackTable(this.sysctl.get('nf_conntrack_buckets'), opts.hashSeed);
    this.state = { hook: 0, pf: NFPROTO_IPV4, net: this };
    this.services = new ServiceSlots(container, kernel.registrations, `netns ${this.inum}`);
    const cell = this.clock.cell;
    this.clockCell = cell instanceof Float64Array && cell.length >= 1 ? cell : null;
    this.origin = Math.floor(this.clock.nowUs() / US_PER_JIFFY);
    this.gc = new ConntrackGc(this, 0);
    this.syncClock();
  }

  /**
   * The service of `token` in this netns (what a module's or l4 tracker's initNet
   * provided); ENOENT when none. One array read: fine on the packet path.
   */
  get<T>(token: Token<T>): T {
    return this.services.get(token);
  }

  /** The service of `token` in this netns, or undefined. */
  find<T>(token: Token<T>): T | undefined {
    return this.services.find(token);
  }

  /**
   * Provide a per-netns service under `token` (EBUSY if one is). Only from a module's
   * or l4 tracker's initNet: it is withdrawn after their exitNet (or detach).
   */
  provide<T>(token: Token<T>, value: T): void {
    this.services.provide(token, value);
  }

  /** Register this netns' event notifier; EBUSY when one is registered. */
  registerNotifier(n: EventNotifier): void {
    if (this.notifier !== null)
      throw new CtError('EBUSY', 'an event notifier is already registered in this netns');
    this.notifier = n;
  }

  unregisterNotifier(n: EventNotifier): void {
    if (this.notifier !== n) throw new CtError('EINVAL', 'that event notifier is not the registered one');
    this.notifier = null;
  }

  registerExpectHook(e: ExpectHook): void {
    if (this.expect !== null)
      throw new CtError('EBUSY', 'an expectation table is already registered in this netns');
    this.expect = e;
  }

  unregisterExpectHook(e: ExpectHook): void {
    if (this.expect === e) this.expect = null;
  }

  // --- time ------------------------------------------------------------------------

  /** Read the clock and fire every timer due by now (exact deadlines, old timer model). */
  syncClock(): void {
    const cell = this.clockCell;
    const us = cell !== null ? cell[0]! : this.clock.nowUs();
    // Fast path: the same jiffy as the last sync and nothing due at it (the checks the
    // slow path would make, without the division).
    if (us >= this.jiffyStartUs && us < this.jiffyEndUs) {
      const j = this.syncedJiffy;
      if (this.gc.next > j && j < this.timers.next && this.sourcesAfter(j)) {
        this.nowUs = us;
        this.jiffies = j;
        return;
      }
    }
    this.syncSlow(us);
  }

  /** True when no timer source is due by `j`. */
  private sourcesAfter(j: number): boolean {
    const src = this.sources;
    for (let i = 0; i < src.length; i++) if (src[i]!.next <= j) return false;
    return true;
  }

  /**
   * Move the jiffy origin to the whole jiffy of `us` before anything was tracked (a
   * replay whose clock starts at 0 calls this with its first packet's time, so jiffies
   * and every deadline stay small integers). Only differences of jiffies mean anything:
   * the GC's schedule keeps its absolute times (it is shifted by the same amount).
   * Returns false, changing nothing, once the netns holds a conn, a timer or due work
   * of a timer source.
   */
  rebaseJiffies(us: number): boolean {
    if (this.count !== 0 || this.timers.size !== 0) return false;
    for (const src of this.sources) if (src.next !== Number.POSITIVE_INFINITY) return false;
    const origin = Math.floor(us / US_PER_JIFFY);
    const shift = this.origin - origin;
    if (shift === 0) return true;
    this.origin = origin;
    this.gc.next += shift;
    // Recompute the current jiffy on the next sync.
    this.jiffies += shift;
    this.syncedJiffy += shift;
    this.jiffyStartUs = 0;
    this.jiffyEndUs = 0;
    return true;
  }

  private syncSlow(us: number): void {
    const abs = Math.floor(us / US_PER_JIFFY);
    // Both terms are beyond the small-integer range; unoptimized code subtracts them into
    // a heap number even though the result is small. Stored as such, that number makes
    // `jiffies` (and every conn's `timeout`, `timerKey` and UDP `proto` computed from it)
    // a double field: a 16-byte box per field per conn. Normalise to a small integer.
    const jd = abs - this.origin;
    const j = (jd | 0) === jd ? jd | 0 : jd;
    // GC passes interleave with expiry in time order. Over an empty table a pass only
    // reschedules itself (every 60 s - 1 jiffy), so clock jumps skip those arithmetically.
    if (this.count === 0 && this.gc.next <= j) this.gc.skipIdle(j);
    if (this.gc.next <= j || this.sources.length > 0) this.runSources(j);
    if (j >= this.timers.next) this.runTimers(j);
    this.nowUs = us;
    this.jiffies = j;
    this.syncedJiffy = j;
    this.jiffyStartUs = abs * US_PER_JIFFY;
    this.jiffyEndUs = (abs + 1) * US_PER_JIFFY;
  }

  /** Register timed work (expectations, fragment queues) run on this netns' clock. */
  addTimerSource(src: NetTimerSource): void {
    if (!this.sources.includes(src)) this.sources.push(src);
  }

  removeTimerSource(src: NetTimerSource): void {
    const i = this.sources.indexOf(src);
    if (i >= 0) this.sources.splice(i, 1);
  }

  /** Run the GC and every timer source due by `j`, earliest first, conn expiry in between. */
  private runSources(j: number): void {
    for (;;) {
      let at = this.gc.next;
      let which: NetTimerSource = this.gc;
      for (const src of this.sources) {
        if (src.next < at) {
          at = src.next;
          which = src;
        }
      }
      if (at > j) return;
      this.runTimers(at);
      which.run(at);
      if (which === this.gc) this.gc.catchUp(j);
    }
  }

  /** Expire every conn whose deadline is ≤ `until` (jiffies), each at its own deadline. */
  runTimers(until: number): void {
    const saveJ = this.jiffies;
    const saveUs = this.nowUs;
    for (let ct = this.timers.popExpired(until); ct !== null; ct = this.timers.popExpired(until)) {
      // The conn dies at its deadline: events and tstamp stop see that time.
      this.jiffies = ct.timeout;
      this.nowUs = (ct.timeout + this.origin) * US_PER_JIFFY;
      nfCtDelete(ct, 0, 0);
    }
    this.jiffies = Math.max(saveJ, until);
    this.nowUs = Math.max(saveUs, (until + this.origin) * US_PER_JIFFY);
  }

  /**
   * Let time run until no conn, expectation or fragment queue is left (replay
   * `--drain`): fires every timer in deadline order, each at its own deadline.
   * Returns the last deadline fired.
   */
  drain(): number {
    let last = this.jiffies;
    for (;;) {
      // Conn expiry and the modules' timed work (expectations, fragment queues), in time
      // order. GC passes in between only matter while the early-drop flag is up.
      let at = this.timers.next;
      for (const src of this.sources) if (src.next < at) at = src.next;
      if (this.earlyDropFlag && this.gc.next < at) at = this.gc.next;
      if (at === Number.POSITIVE_INFINITY) break;
      this.runTimers(at);
      if (this.earlyDropFlag && this.gc.next <= at) this.gc.run(at);
      // A source may remove itself when it runs dry: walk a snapshot.
      for (const src of [...this.sources]) if (src.next <= at) src.run(at);
      last = Math.max(last, at);
    }
    return last;
  }

  /** Deadline (jiffies) of the next expiry, or Infinity. */
  nextExpiry(): number {
    return this.timers.next;
  }

  // --- the hook runner ---------------------------------------------------------------

  /**
   * nf_hook_slow: run the hook entries of `hook` from index `from` on; stops at the
   * first verdict that is not ACCEPT. NF_REPEAT re-runs the same entry.
   */
  nfHook(hook: number, skb: Skb, from = 0, pf = NFPROTO_IPV4): number {
    const list: HookOps[] = this.kernel.hooks.entries[pf]![hook]!;
    const state = this.state;
    state.hook = hook;
    state.pf = pf;
    for (let i = from; i < list.length; i++) {
      const v = list[i]!.hook(skb, state);
      if (v === NF_ACCEPT) continue;
      if (v === NF_REPEAT) {
        i--;
        continue;
      }
      return v;
    }
    return NF_ACCEPT;
  }

  /** A packet to this host: PRE_ROUTING then LOCAL_IN. Returns the final verdict. */
  input(skb: Skb): number {
    return this.path(skb, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, -1);
  }

  /** A packet from this host: LOCAL_OUT then POST_ROUTING. */
  output(skb: Skb): number {
    return this.path(skb, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, -1);
  }

  /** A forwarded packet: PRE_ROUTING, FORWARD, POST_ROUTING. */
  forward(skb: Skb): number {
    return this.path(skb, NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING);
  }

  private path(skb: Skb, h1: number, h2: number, h3: number): number {
    if (this.running) throw new CtError('EBUSY', 'packet path re-entered');
    this.running = true;
    this.packetSeq++;
    try {
      this.syncClock();
      let v = this.nfHook(h1, skb);
      if (v === NF_ACCEPT) v = this.nfHook(h2, skb);
      if (v === NF_ACCEPT && h3 >= 0) v = this.nfHook(h3, skb);
      if (v !== NF_STOLEN) this.release(skb);
      return v;
    } finally {
      this.running = false;
    }
  }

  /**
   * Continue a packet held by a hook (e.g. a reassembled datagram) from the entry after
   * `afterIndex` of `hook`, then through the rest of its path.
   */
  resume(skb: Skb, pathHooks: readonly number[], hookPos: number, afterIndex: number): number {
    let v = this.nfHook(pathHooks[hookPos]!, skb, afterIndex + 1);
    for (let i = hookPos + 1; v === NF_ACCEPT && i < pathHooks.length; i++)
      v = this.nfHook(pathHooks[i]!, skb);
    if (v !== NF_STOLEN) this.release(skb);
    return v;
  }

  /** Free the packet's conn reference (kfree_skb → nf_conntrack_put). */
  release(skb: Skb): void {
    const ct = skb.ct;
    if (ct !== null) {
      skb.ct = null;
      nfCtPut(ct);
    }
    skb.ctinfo = IP_CT_INVALID;
  }

  // --- table access ------------------------------------------------------------------

  /** Every confirmed conn (for listings). */
  conns(): Conn[] {
    return [...this.table.conns()];
  }

  /** Delete every conn matching `pred` with DESTROY events (nf_ct_iterate_cleanup). */
  flush(pred: (ct: Conn) => boolean = () => true, portid = 0, report = 0): number {
    let n = 0;
    for (const ct of this.conns()) {
      if (pred(ct) && nfCtDelete(ct, portid, report)) n++;
    }
    return n;
  }
}
