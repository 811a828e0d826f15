import type { Conn } from './conn.js';
import { nfCtDelete } from './conntrack-core.js';
import { IPS_ASSURED, IPS_CONFIRMED, IPS_DYING, IPS_OFFLOAD } from './constants.js';
import type { Netns } from './netns.js';
import type { NetTimerSource } from './timer-source.js';

/**
 * The conntrack GC worker of 6.18 (gc_worker), run on the netns clock (docs/core.md §13).
 * ctrack expires conns at their exact deadline, so GC never meets an expired entry;
 * what remains observable is its schedule and the early drop it does while a failed
 * allocation has raised the early-drop flag and the netns holds ≥ 95 % of max: it then
 * deletes every confirmed entry that is not ASSURED (or that the l4 lets go).
 * A pass scans the whole table at one instant of the virtual clock.
 */
const GC_SCAN_INTERVAL_MAX = 60; // seconds
const GC_SCAN_INTERVAL_MIN = 1;
const GC_SCAN_INTERVAL_CLAMP = 300;
const GC_SCAN_INITIAL_COUNT = 100;

export class ConntrackGc implements NetTimerSource {
  /** Jiffy of the next pass; the first runs 1 s after start. */
  next: number;
  /** Passes run and hash buckets they walked (the work a clock jump may cost; tests count it). */
  passes = 0;
  bucketsScanned = 0;

  constructor(
    private readonly net: Netns,
    startJiffies: number,
  ) {
    this.next = startJiffies + net.hz;
  }

  /**
   * Advance the schedule over passes that would scan an empty table: each would set
   * next = at + 60 s - 1 jiffy and clear the early-drop flag. Leaves `next` > `until`.
   */
  skipIdle(until: number): void {
    const step = GC_SCAN_INTERVAL_MAX * this.net.hz - 1;
    const n = Math.ceil((until - this.next + 1) / step);
    if (n > 0) {
      this.next += n * step;
      this.net.earlyDropFlag = false;
    }
  }

  /**
   * A late worker runs once. After a pass at `at` leaves the next one due by `until`
   * (the packet clock jumped forward), the passes in between would only reschedule
   * themselves: the early-drop flag they could act on is down (the pass just cleared it
   * and only a packet raises it), and conns expire at their own deadlines, not in GC. Like
   * delayed work whose timer fired long ago, the worker then runs once, at `until`: a jump
   * costs one walk of the table, not one per 60 s of the gap.
   */
  catchUp(until: number): void {
    if (this.next < until && !this.net.earlyDropFlag) this.next = until;
  }

  /** One full pass at `now` (jiffies); schedules the next one. */
  run(now: number): void {
    const net = this.net;
    const hz = net.hz;
    const max = net.max.value;
    const max95 = net.earlyDropFlag ? Math.floor(max / 100) * 95 : 0;
    let nextRun = GC_SCAN_INTERVAL_MAX * hz;
    let count = GC_SCAN_INITIAL_COUNT;
    const heads = net.table.heads;
    this.passes++;
    this.bucketsScanned += heads.length;
    for (let b = 0; b < heads.length; b++) {
      for (let h = heads[b] ?? null; h !== null; ) {
        const ct = h.ct;
        h = h.next; // the entry may be unlinked below
        // The adaptive interval: a running average of the remaining lifetimes.
        const expires = clamp(ct.timeout - now, GC_SCAN_INTERVAL_MIN * hz, GC_SCAN_INTERVAL_CLAMP * hz);
        nextRun += Math.trunc((expires - nextRun) / ++count);
        if (max95 === 0 || skip(ct) || net.count < max95) continue;
        if (canEarlyDrop(ct)) nfCtDelete(ct, 0, 0);
      }
    }
    nextRun = clamp(nextRun, GC_SCAN_INTERVAL_MIN * hz, GC_SCAN_INTERVAL_MAX * hz);
    // The pass takes no time on the virtual clock: delta_time = max(now - start, 1).
    nextRun = nextRun > 1 ? nextRun - 1 : 1;
    net.earlyDropFlag = false;
    this.next = now + nextRun;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** gc_worker_skip_ct: unconfirmed, dying or offloaded entries are left alone. */
function skip(ct: Conn): boolean {
  return (ct.status & IPS_CONFIRMED) === 0 || (ct.status & (IPS_DYING | IPS_OFFLOAD)) !== 0;
}

/** gc_worker_can_early_drop: not ASSURED, or an l4 that lets the ASSURED entry go. */
function canEarlyDrop(ct: Conn): boolean {
  if ((ct.status & IPS_ASSURED) === 0) return true;
  return ct.l4proto.canEarlyDrop?.(ct) ?? false;
}
