import {
  CHAINS,
  CT_CLASSES,
  ctClass,
  type EventLine,
  emptyNft,
  type ListLine,
  type NftCounters,
  type TraceLine,
} from './lines.js';
import type { PacketInfo } from './run.js';

/** One check's verdict: problems empty = the check passes. */
export interface CheckResult {
  problems: string[];
  /** Kernel items (event lines, list lines, counters) compared and how many matched. */
  total: number;
  matched: number;
}

/** 1 jiffy at HZ 250: ctrack's expiry deadlines are jiffy-aligned. */
export const JIFFY_US = 4000;

export interface EventRules {
  /** meta.listed_at in µs: the kernel's recording window ends with the listing. */
  listedAtUs: number;
  /** How far a kernel event may lag the packet that caused it (listener scheduling). */
  maxLagUs: number;
  /** Slack for clock granularity (a jiffy). */
  slackUs: number;
  /** Kernel events within this of each other have no meaningful order. */
  tieUs: number;
}

export const DEFAULT_RULES: Omit<EventRules, 'listedAtUs'> = {
  maxLagUs: 250_000,
  slackUs: JIFFY_US,
  tieUs: 1000,
};

export interface EventComparison extends CheckResult {
  /** kernel conn id → ctrack conn id (one to one). */
  idMap: Map<string, string>;
  /** ctrack events after the listing (the kernel stopped recording; --drain's DESTROYs). */
  afterListing: number;
}

/** Events grouped by conn id, in order of first appearance. */
function byConn(events: readonly EventLine[]): Map<string, EventLine[]> {
  const m = new Map<string, EventLine[]>();
  for (const e of events) {
    let l = m.get(e.id);
    if (l === undefined) m.set(e.id, (l = []));
    l.push(e);
  }
  return m;
}

const sameEvent = (a: EventLine, b: EventLine) => a.type === b.type && a.body === b.body;

/** Longest common subsequence of two event lists: matched index pairs. */
function lcs(a: readonly EventLine[], b: readonly EventLine[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      t[i]![j] = sameEvent(a[i]!, b[j]!) ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (sameEvent(a[i]!, b[j]!)) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

const fmtTs = (us: number | null) => (us === null ? '-' : (us / 1e6).toFixed(6));
const strip = (e: EventLine) =>
  `${e.type === 'NEW' ? '    ' : e.type === 'UPDATE' ? ' ' : ''}[${e.type}] ${e.body}`;

/**
 * conntrack -E: kernel events vs ctrack's.
 *
 * - Conns are paired by their original tuple (first appearance order; the nearest in
 *   time when a tuple repeats): kernel id ↔ ctrack id, one to one.
 * - Per conn the event lines (tag, protocol, timeout, state, tuples, flags, counters,
 *   delta-time, helper: the whole line but its time and id) are aligned in order.
 * - NEW/UPDATE: ctrack's time (the packet's) must lie in [kernel − lag, kernel + slack].
 * - DESTROY: the kernel reaps expired conns lazily (at the listing), so only ctrack's
 *   time ≤ the kernel's (+ slack) is demanded: exact expiry is never later.
 * - NEW/UPDATE across conns come in the kernel's order (ties within tieUs excepted).
 * - A ctrack event with no kernel counterpart before the listing is a difference; after
 *   it (the kernel stopped recording there) it is only counted.
 */
export function compareEvents(
  kernel: readonly EventLine[],
  ours: readonly EventLine[],
  rules: EventRules,
): EventComparison {
  const problems: string[] = [];
  const kc = byConn(kernel);
  const oc = byConn(ours);
  const idMap = new Map<string, string>();
  const used = new Set<string>();
  for (const [kid, kev] of kc) {
    const first = kev[0]!;
    let best: string | null = null;
    let bestD = Number.POSITIVE_INFINITY;
    for (const [oid, oev] of oc) {
      if (used.has(oid) || oev[0]!.conn.origKey !== first.conn.origKey) continue;
      const d = Math.abs((first.tsUs ?? 0) - (oev[0]!.tsUs ?? 0));
      if (d < bestD) {
        best = oid;
        bestD = d;
      }
    }
    if (best !== null) {
      idMap.set(kid, best);
      used.add(best);
    }
  }

  const matchedK = new Map<EventLine, EventLine>();
  const matchedO = new Set<EventLine>();
  for (const [kid, kev] of kc) {
    const oid = idMap.get(kid);
    if (oid === undefined) {
      problems.push(`kernel conn id=${kid} (${kev[0]!.conn.origKey}): ctrack has no such conn`);
      continue;
    }
    const oev = oc.get(oid)!;
    for (const [i, j] of lcs(kev, oev)) {
      const k = kev[i]!;
      const o = oev[j]!;
      const kt = k.tsUs ?? 0;
      const ot = o.tsUs ?? 0;
      if (k.type === 'DESTROY') {
        if (ot > kt + rules.slackUs) {
          problems.push(`late DESTROY: ctrack at ${fmtTs(ot)}, kernel already at ${fmtTs(kt)}: ${strip(k)}`);
          continue;
        }
      } else if (ot > kt + rules.slackUs || kt - ot > rules.maxLagUs) {
        problems.push(
          `${k.type} at another time: ctrack ${fmtTs(ot)}, kernel ${fmtTs(kt)} (lag ≤ ${rules.maxLagUs / 1000} ms allowed): ${strip(k)}`,
        );
        continue;
      }
      matchedK.set(k, o);
      matchedO.add(o);
    }
  }

  // order of NEW/UPDATE across conns
  let maxO: EventLine | null = null;
  let maxK: EventLine | null = null;
  for (const k of kernel) {
    const o = matchedK.get(k);
    if (o === undefined || k.type === 'DESTROY') continue;
    if (
      maxO !== null &&
      maxK !== null &&
      o.index < maxO.index &&
      (k.tsUs ?? 0) - (maxK.tsUs ?? 0) > rules.tieUs
    ) {
      problems.push(`order: ctrack printed "${strip(o)}" before "${strip(maxO)}"; the kernel after`);
      matchedK.delete(k);
      continue;
    }
    if (maxO === null || o.index > maxO.index) {
      maxO = o;
      maxK = k;
    }
  }

  for (const k of kernel) {
    if (matchedK.has(k)) continue;
    const oid = idMap.get(k.id);
    const cands = oid ? (oc.get(oid) ?? []).filter((o) => !matchedO.has(o) && o.type === k.type) : [];
    const near = cands.length > 0 ? `\n    ctrack: ${strip(cands[0]!)}` : '';
    problems.push(`kernel event not matched [${fmtTs(k.tsUs)}]:\n    kernel: ${strip(k)}${near}`);
  }
  let afterListing = 0;
  for (const o of ours) {
    if (matchedO.has(o)) continue;
    if ((o.tsUs ?? 0) > rules.listedAtUs) {
      afterListing++;
      continue;
    }
    problems.push(`ctrack event the kernel did not print [${fmtTs(o.tsUs)}]: ${strip(o)} id=${o.id}`);
  }
  return { problems, total: kernel.length, matched: matchedK.size, idMap, afterListing };
}

/** Expectation events / listings: the same lines in the same order (no ids), time stripped. */
export function compareLines(kernel: readonly string[], ours: readonly string[], what: string): CheckResult {
  const norm = (l: string) => l.replace(/^\[[^\]]*\]\t/, '').trimEnd();
  const k = kernel.map(norm);
  const o = ours.map(norm);
  const left = [...o];
  const problems: string[] = [];
  let matched = 0;
  for (const l of k) {
    const i = left.indexOf(l);
    if (i >= 0) {
      left.splice(i, 1);
      matched++;
    } else problems.push(`${what}: kernel line missing in ctrack: ${l}`);
  }
  for (const l of left) problems.push(`${what}: ctrack line the kernel did not print: ${l}`);
  return { problems, total: k.length, matched };
}

/**
 * conntrack -L: unordered, by everything but the id, with the timeout and delta-time
 * within `tolS` seconds (jiffies phase, and the dump runs a little after listed_at).
 * Ids must agree with the event id map where the kernel conn had events.
 */
export function compareList(
  kernel: readonly ListLine[],
  ours: readonly ListLine[],
  tolS: number,
  idMap: Map<string, string>,
): CheckResult {
  const problems: string[] = [];
  const left = [...ours];
  let matched = 0;
  for (const k of kernel) {
    const i = left.findIndex((o) => o.key === k.key);
    if (i < 0) {
      const near = left.find((o) => o.conn.origKey === k.conn.origKey);
      problems.push(
        `list: kernel line missing in ctrack:\n    kernel: ${k.raw}${near ? `\n    ctrack: ${near.raw}` : ''}`,
      );
      continue;
    }
    const o = left.splice(i, 1)[0]!;
    const dt = Math.abs((k.timeout ?? 0) - (o.timeout ?? 0));
    const dd = Math.abs((k.deltaTime ?? 0) - (o.deltaTime ?? 0));
    if (dt > tolS || dd > tolS) {
      problems.push(
        `list: timeout/delta-time differ by more than ${tolS} s:\n    kernel: ${k.raw}\n    ctrack: ${o.raw}`,
      );
      continue;
    }
    const want = idMap.get(k.id);
    if (want !== undefined && want !== o.id) {
      problems.push(`list: id=${k.id} maps to ctrack id=${want} in the events but lists as id=${o.id}`);
      continue;
    }
    matched++;
  }
  for (const o of left) problems.push(`list: ctrack conn the kernel did not list: ${o.raw}`);
  return { problems, total: kernel.length, matched };
}

/** conntrack -S: every counter the kernel printed (summed over CPUs). */
export function compareStats(kernel: Record<string, number>, ours: Record<string, number>): CheckResult {
  const problems: string[] = [];
  let matched = 0;
  const keys = Object.keys(kernel);
  for (const k of keys) {
    if (!(k in ours)) problems.push(`stats: ctrack has no counter ${k} (kernel ${kernel[k]})`);
    else if (ours[k] !== kernel[k])
      problems.push(`stats: ${k}=${ours[k]} in ctrack, ${kernel[k]} in the kernel`);
    else matched++;
  }
  return { problems, total: keys.length, matched };
}

/**
 * nft `ct state` counters from ctrack's per-packet ctinfo (--trace): received packets
 * count in prerouting, sent ones in output; bytes are the IPv4 total length (of the
 * whole datagram for a fragment that completed one; held fragments are not counted). Packets
 * ip_rcv dropped, or conntrack dropped before the filter chains (verdict DROP without
 * a conn), never reach the counters.
 */
export function nftFromTrace(trace: readonly TraceLine[], packets: Map<number, PacketInfo>): NftCounters {
  const out = emptyNft();
  for (const t of trace) {
    const cls = ctClass(t.ct);
    if (cls === null) continue;
    if (t.verdict === 'DROP' && t.ct === 'INVALID') continue;
    const chain = t.path === 'in' ? 'prerouting' : t.path === 'out' ? 'output' : null;
    if (chain === null) continue;
    const slot = out[chain][cls];
    slot.packets++;
    // A fragment completing a datagram counts as the datagram (defrag ran before the chains).
    slot.bytes += t.reassembled ?? packets.get(t.n)?.ipLen ?? 0;
  }
  return out;
}

export function compareNft(kernel: NftCounters, ours: NftCounters): CheckResult {
  const problems: string[] = [];
  let matched = 0;
  let total = 0;
  for (const ch of CHAINS)
    for (const c of CT_CLASSES) {
      total++;
      const k = kernel[ch][c];
      const o = ours[ch][c];
      if (k.packets === o.packets && k.bytes === o.bytes) matched++;
      else
        problems.push(
          `nft ${ch} ct state ${c}: ctrack packets ${o.packets} bytes ${o.bytes}, kernel packets ${k.packets} bytes ${k.bytes}`,
        );
    }
  return { problems, total, matched };
}
