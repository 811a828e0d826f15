import {
  type Conn,
  type ConnAcct,
  type ConnTstamp,
  type Expectation,
  IPCT_DESTROY,
  IPCT_HELPER,
  IPCT_MARK,
  IPCT_PROTOINFO,
  IPCT_RELATED,
  IPCT_SECMARK,
  ipv4ToString,
  NF_CT_EXT_ACCT,
  NF_CT_EXT_TSTAMP,
  nfCtExpires,
  nfctHelp,
  Tuple,
} from '@ctrack/core';
import type { ConnSnapshot, CounterSnapshot, ExpectSnapshot, L4Fields, TupleSnapshot } from './event.js';

/** Which attribute set a snapshot carries: a dump (`-L`), or an event message. */
export enum SnapKind {
  DUMP = 0,
  EVENT = 1,
}

/** Turns a secmark into its security context text (an LSM); none by default. */
export type SecctxResolver = (secmark: number) => string | null;

const freeze = Object.freeze;

/**
 * The l4 part by protocol number, as libnetfilter_conntrack's __snprintf_proto and the
 * kernel's print_tuple choose it; an unknown protocol uses its tracker's printTuple.
 */
export function l4Fields(t: Tuple, printTuple?: (t: Tuple) => string): L4Fields {
  switch (t.protonum) {
    case 6: // tcp
    case 17: // udp
    case 136: // udplite
    case 132: // sctp
    case 33: // dccp
      return freeze({ kind: 'ports', sport: t.sport, dport: t.dport });
    case 1: // icmp
    case 58: // icmpv6
      return freeze({ kind: 'icmp', type: t.dport >>> 8, code: t.dport & 0xff, id: t.sport });
    case 47: // gre
      return freeze({ kind: 'gre', srckey: t.sport, dstkey: t.dport });
    default: {
      const text = printTuple?.(t) ?? '';
      return freeze(text === '' ? { kind: 'none' } : { kind: 'text', text });
    }
  }
}

export function tupleSnapshot(t: Tuple, printTuple?: (t: Tuple) => string): TupleSnapshot {
  return freeze({
    src: ipv4ToString(t.src),
    dst: ipv4ToString(t.dst),
    protonum: t.protonum,
    l4: l4Fields(t, printTuple),
  });
}

function counters(ct: Conn): readonly [CounterSnapshot, CounterSnapshot] | null {
  const a = ct.ext?.[NF_CT_EXT_ACCT] as ConnAcct | undefined;
  if (a === undefined) return null;
  return freeze([
    freeze({ packets: a.packets0, bytes: a.bytes0 }),
    freeze({ packets: a.packets1, bytes: a.bytes1 }),
  ]);
}

function tstamp(ct: Conn): ConnSnapshot['tstamp'] {
  const t = ct.ext?.[NF_CT_EXT_TSTAMP] as ConnTstamp | undefined;
  return t === undefined ? null : freeze({ startUs: t.startUs, stopUs: t.stopUs });
}

function stateText(ct: Conn): string | null {
  const s = ct.l4proto.printConntrack?.(ct);
  return s === undefined || s === '' ? null : s;
}

function helperName(ct: Conn): string | null {
  return nfctHelp(ct)?.helper?.name ?? null;
}

/**
 * What ctnetlink puts in a message about `ct` (ctnetlink_fill_info for a dump,
 * ctnetlink_conntrack_event for an event with `events`), see docs/ecache.md §4.
 */
export function snapshotConn(
  ct: Conn,
  kind: SnapKind,
  events: number,
  secctxOf: SecctxResolver | null,
): ConnSnapshot {
  const net = ct.net;
  const secs = Math.floor(nfCtExpires(ct) / net.hz);
  const pt = ct.l4proto.printTuple?.bind(ct.l4proto);
  const destroy = kind === SnapKind.EVENT && (events & IPCT_DESTROY) !== 0;
  const dump = kind === SnapKind.DUMP;
  // 6.x DESTROY: the timeout only if ≥ 1 s remained (ctnetlink_dump_timeout skip_zero).
  const timeout = destroy && secs === 0 ? null : secs;
  const state = dump || destroy || (events & IPCT_PROTOINFO) !== 0 ? stateText(ct) : null;
  // Dumps always carry the mark; events when it changed or is not 0.
  const mark = dump || ct.mark !== 0 || (!destroy && (events & IPCT_MARK) !== 0) ? ct.mark >>> 0 : null;
  const wantSecctx = !destroy && (ct.secmark !== 0 || (events & IPCT_SECMARK) !== 0);
  const helper =
    !destroy && (dump || (events & IPCT_HELPER) !== 0 || nfctHelp(ct) !== undefined) ? helperName(ct) : null;
  const withMaster = ct.master !== null && (dump || (!destroy && (events & IPCT_RELATED) !== 0));
  return freeze({
    id: ct.id >>> 0,
    l3num: ct.orig.l3num,
    protonum: ct.orig.protonum,
    timeout,
    state,
    orig: tupleSnapshot(ct.orig, pt),
    reply: tupleSnapshot(ct.reply, pt),
    status: ct.status,
    mark,
    secmark: ct.secmark >>> 0,
    secctx: wantSecctx && secctxOf !== null ? secctxOf(ct.secmark >>> 0) : null,
    zone: ct.zone,
    counters: dump || destroy ? counters(ct) : null,
    tstamp: dump || destroy ? tstamp(ct) : null,
    helper,
    use: dump ? ct.use : null,
    master: withMaster
      ? tupleSnapshot(ct.master!.orig, ct.master!.l4proto.printTuple?.bind(ct.master!.l4proto))
      : null,
    atUs: net.nowUs,
  });
}

/** Mask as ctnetlink_exp_dump_mask reports it: destination address and `u` all-ones. */
function maskTuple(exp: Expectation): Tuple {
  const m = exp.mask;
  const t = new Tuple();
  t.src = m.src;
  t.dst = -1; // all-ones (int32)
  t.sport = m.sport;
  t.dport = 0xffff;
  t.l3num = exp.tuple.l3num;
  t.protonum = exp.tuple.protonum;
  return t;
}

/** What ctnetlink_exp_dump_expect puts in an expectation message (or `-L expect` line). */
export function snapshotExpect(exp: Expectation): ExpectSnapshot {
  const master = exp.master;
  const net = master.net;
  const left = Math.trunc((exp.timeout - net.jiffies) / net.hz);
  const help = nfctHelp(master)?.helper ?? null;
  const l4 = net.kernel.l4protos.find(exp.tuple.l3num, exp.tuple.protonum);
  const pt = l4.printTuple?.bind(l4);
  return freeze({
    timeout: Math.max(left, 0),
    l3num: exp.tuple.l3num,
    protonum: exp.tuple.protonum,
    tuple: tupleSnapshot(exp.tuple, pt),
    mask: tupleSnapshot(maskTuple(exp), pt),
    master: tupleSnapshot(master.orig, master.l4proto.printTuple?.bind(master.l4proto)),
    zone: master.zone,
    flags: exp.flags,
    class: exp.class,
    helper: help?.name ?? null,
    policyName: help?.expectPolicy[exp.class]?.name || null,
  });
}
