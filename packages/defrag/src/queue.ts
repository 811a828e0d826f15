/**
 * struct ipq / inet_frag_queue: one datagram being reassembled, with the kernel's
 * fragment "runs" (inet_frag_queue_insert, docs/defrag.md §5 insert rule).
 */

/** One queued fragment: its payload (trimmed to [offset, end)), copied from the caller's buffer. */
export interface Frag {
  offset: number;
  end: number;
  payload: Uint8Array;
  /** The IP header (with options) of the offset-0 fragment; null for the others. */
  header: Uint8Array | null;
  truesize: number;
}

/** A run: fragments that were appended back to back (FRAG_CB frag_run_len). */
export interface Run {
  start: number;
  end: number;
  frags: Frag[];
}

export const IPFRAG_OK = 0;
export const IPFRAG_DUP = 1;
export const IPFRAG_OVERLAP = 2;

export class FragQueue {
  // --- key (ip4_frag_match) -----------------------------------------------------------
  readonly saddr: number;
  readonly daddr: number;
  readonly id: number;
  readonly protocol: number;
  readonly user: number;
  readonly vif: number;
  readonly hash: number;
  /** Next queue in the same hash chain. */
  chain: FragQueue | null = null;

  // --- timer (doubly linked list ordered by deadline) ----------------------------------
  deadline = 0;
  tprev: FragQueue | null = null;
  tnext: FragQueue | null = null;

  // --- state --------------------------------------------------------------------------
  flags = 0;
  /** Datagram payload length known so far (q.len). */
  len = 0;
  /** Bytes received (q.meat). */
  meat = 0;
  /** OR of 1 << ECN codepoint of every queued fragment. */
  ecn = 0;
  maxSize = 0;
  maxDfSize = 0;
  iif = 0;
  stampUs = 0;
  /** Sum of the queued fragments' truesize. */
  fragMem = 0;
  /** max_dist: the peer (per source address) and its counter at this queue's previous fragment. */
  peer: Peer | null = null;
  rid = 0;
  /** Runs in offset order (the kernel's rb-tree of run heads). */
  runs: Run[] = [];
  /** The run holding the fragment with the highest end (last_run_head), and that end. */
  lastRun: Run | null = null;
  tailEnd = -1;

  constructor(
    saddr: number,
    daddr: number,
    id: number,
    protocol: number,
    user: number,
    vif: number,
    hash: number,
  ) {
    this.saddr = saddr;
    this.daddr = daddr;
    this.id = id;
    this.protocol = protocol;
    this.user = user;
    this.vif = vif;
    this.hash = hash;
  }

  matches(saddr: number, daddr: number, id: number, protocol: number, user: number, vif: number): boolean {
    return (
      this.saddr === saddr &&
      this.daddr === daddr &&
      this.id === id &&
      this.protocol === protocol &&
      this.user === user &&
      this.vif === vif
    );
  }

  /** inet_frag_queue_insert: IPFRAG_OK (queued), IPFRAG_DUP or IPFRAG_OVERLAP. */
  insert(f: Frag): number {
    const { offset, end } = f;
    if (this.lastRun === null) {
      this.newRunAtEnd(f);
      return IPFRAG_OK;
    }
    const tailEnd = this.tailEnd;
    if (tailEnd < end) {
      // The common case: the fragment goes to the end.
      if (offset < tailEnd) return IPFRAG_OVERLAP;
      if (offset === tailEnd) {
        const run = this.lastRun;
        run.frags.push(f);
        run.end = end;
      } else {
        this.newRunAtEnd(f);
      }
      this.tailEnd = end;
      return IPFRAG_OK;
    }
    // Search the runs (disjoint, sorted): the first run ending after `offset`.
    const runs = this.runs;
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (runs[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    const r = runs[lo];
    if (r !== undefined && r.start < end) {
      // Intersects run r: inside it ⇒ duplicate, anything else ⇒ overlap.
      return offset >= r.start && end <= r.end ? IPFRAG_DUP : IPFRAG_OVERLAP;
    }
    runs.splice(lo, 0, { start: offset, end, frags: [f] });
    return IPFRAG_OK;
  }

  private newRunAtEnd(f: Frag): void {
    const run: Run = { start: f.offset, end: f.end, frags: [f] };
    this.runs.push(run);
    this.lastRun = run;
    this.tailEnd = f.end;
  }

  /** Forget every fragment (ip_frag_reinit / free); returns the memory they held. */
  purge(): number {
    const m = this.fragMem;
    this.fragMem = 0;
    this.runs = [];
    this.lastRun = null;
    this.tailEnd = -1;
    return m;
  }

  /** The offset-0 fragment, if queued. */
  head(): Frag | null {
    const r = this.runs[0];
    const f = r?.frags[0];
    return f !== undefined && f.offset === 0 ? f : null;
  }
}

/** inet_peer, reduced to what ip_frag_too_far reads: a fragment counter per (source, vif). */
export interface Peer {
  /** Source address (int32); vif is always 0 here. */
  readonly saddr: number;
  rid: number;
  refs: number;
}
