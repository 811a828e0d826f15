import {
  type Conn,
  IPS_ASSURED,
  IPS_HW_OFFLOAD,
  IPS_OFFLOAD,
  IPS_SEEN_REPLY,
  type Netns,
} from '@ctrack/core';
import type { ConnEvent, ConnSnapshot, CounterSnapshot, CtEvent, L4Fields, TupleSnapshot } from './event.js';
import { formatExpectEvent } from './format-expect.js';
import { ctimeC, l3Name, nfctL4Name, padLeft, padRight, procL4Name } from './names.js';
import { type SecctxResolver, SnapKind, snapshotConn } from './snapshot.js';
import { ECACHE_NET } from './tokens.js';

/** conntrack's `-o` output flags. */
export interface FormatOptions {
  /** `-o timestamp`: events get `[sec.usec]\t` in front (ignored by `-L`). */
  timestamp?: boolean;
  /** `-o id`: `id=N` near the end. */
  id?: boolean;
  /** `-o extended`: `ipv4     2 ` before the protocol. */
  extended?: boolean;
  /** `-o ktimestamp`: `[start=…] [stop=…]` after delta-time. */
  ktimestamp?: boolean;
}

/** The l4 part of a tuple, with its trailing space (or nothing). */
export function l4Text(f: L4Fields): string {
  switch (f.kind) {
    case 'ports':
      return `sport=${f.sport} dport=${f.dport} `;
    case 'icmp':
      return `type=${f.type} code=${f.code} id=${f.id} `;
    case 'gre':
      return `srckey=0x${f.srckey.toString(16)} dstkey=0x${f.dstkey.toString(16)} `;
    case 'text':
      return f.text.endsWith(' ') ? f.text : `${f.text} `;
    case 'none':
      return '';
  }
}

/** `src=A dst=B ` plus the l4 part, with an optional prefix on the address keys. */
export function tupleText(t: TupleSnapshot, prefix = ''): string {
  return `${prefix}src=${t.src} ${prefix}dst=${t.dst} ${l4Text(t.l4)}`;
}

const counterText = (c: CounterSnapshot): string => `packets=${c.packets} bytes=${c.bytes} `;

/** The `%9s ` tag of an event line. */
export function eventTag(type: string): string {
  return `${padLeft(`[${type}]`, 9)} `;
}

/**
 * `-o timestamp` prefix as conntrack-tools 1.4.7 prints it: `[1795251101.016796]\t`,
 * seconds, a dot, the microseconds zero-padded to six digits (printf's `%.6ld`; see the
 * recordings' events.txt in tooling/conformance/fixtures).
 */
export function timestampPrefix(us: number): string {
  return `[${formatSecUs(us)}]\t`;
}

/**
 * `sec.usec` of a time in µs (six fraction digits). A negative time keeps its sign in
 * front of the magnitude (`-1.500000` is 1.5 s before the epoch), as a reader expects.
 */
export function formatSecUs(us: number): string {
  const neg = us < 0;
  const a = neg ? -us : us;
  const sec = Math.floor(a / 1_000_000);
  const frac = a - sec * 1_000_000;
  return `${neg ? '-' : ''}${sec}.${String(frac).padStart(6, '0')}`;
}

/** libnetfilter_conntrack's delta-time: whole seconds of stop (or now) minus whole seconds of start. */
export function deltaTime(s: ConnSnapshot): number | null {
  if (s.tstamp === null) return null;
  const stop = s.tstamp.stopUs !== 0 ? s.tstamp.stopUs : s.atUs;
  return Math.floor(stop / 1_000_000) - Math.floor(s.tstamp.startUs / 1_000_000);
}

/**
 * The body of a conntrack line (__snprintf_conntrack_default after the tag), fields in
 * docs/formats.md §1 order, each present only when the snapshot carries it.
 */
export function formatConnBody(s: ConnSnapshot, opts: FormatOptions = {}): string {
  let out = '';
  if (opts.extended) out += `${padRight(l3Name(s.l3num), 8)} ${s.l3num} `;
  out += `${padRight(nfctL4Name(s.protonum), 8)} ${s.protonum} `;
  if (s.timeout !== null) out += `${s.timeout} `;
  if (s.state !== null) out += `${s.state} `;
  out += tupleText(s.orig);
  if (s.counters !== null) out += counterText(s.counters[0]);
  if ((s.status & IPS_SEEN_REPLY) === 0) out += '[UNREPLIED] ';
  out += tupleText(s.reply);
  if (s.counters !== null) out += counterText(s.counters[1]);
  out += offloadOrAssured(s.status);
  if (s.mark !== null) out += `mark=${s.mark} `;
  if (s.secctx !== null) out += `secctx=${s.secctx} `;
  if (s.zone !== 0) out += `zone=${s.zone} `;
  const delta = deltaTime(s);
  if (delta !== null) out += `delta-time=${delta} `;
  if (opts.ktimestamp && s.tstamp !== null) {
    out += `[start=${ctimeC(Math.floor(s.tstamp.startUs / 1_000_000))}] `;
    if (s.tstamp.stopUs !== 0) out += `[stop=${ctimeC(Math.floor(s.tstamp.stopUs / 1_000_000))}] `;
  }
  if (s.helper !== null) out += `helper=${s.helper} `;
  if (s.use !== null) out += `use=${s.use} `;
  if (opts.id) out += `id=${s.id} `;
  return out.endsWith(' ') ? out.slice(0, -1) : out;
}

function offloadOrAssured(status: number): string {
  if ((status & IPS_HW_OFFLOAD) !== 0) return '[HW_OFFLOAD] ';
  if ((status & IPS_OFFLOAD) !== 0) return '[OFFLOAD] ';
  if ((status & IPS_ASSURED) !== 0) return '[ASSURED] ';
  return '';
}

/** One `conntrack -E` line for a conn event. */
export function formatConnEvent(ev: ConnEvent, opts: FormatOptions = {}): string {
  const ts = opts.timestamp ? timestampPrefix(ev.timestampUs) : '';
  const user = ev.portid !== 0 ? ` [USERSPACE] portid=${ev.portid}` : '';
  return `${ts}${eventTag(ev.type)}${formatConnBody(ev.conn, opts)}${user}`;
}

/** One `conntrack -E` (conn) or `conntrack -E expect` line. */
export function formatEvent(ev: CtEvent, opts: FormatOptions = {}): string {
  return ev.kind === 'conn' ? formatConnEvent(ev, opts) : formatExpectEvent(ev, opts);
}

/**
 * The `-L` snapshot of a live conn (what a dump message carries), at the netns clock;
 * secctx resolved by the netns' ecache unless a resolver is given.
 */
export function dumpConn(ct: Conn, secctx: SecctxResolver | null = secctxOf(ct.net)): ConnSnapshot {
  return snapshotConn(ct, SnapKind.DUMP, 0, secctx);
}

/**
 * One `conntrack -L` line for `ct` (timeout from its netns clock, `mark=` and `use=`
 * always, counters/delta-time with acct/tstamp). `-o timestamp` has no effect here.
 * Call as `formatConntrack(ct, opts)` or `formatConntrack(ct, net, opts)`.
 */
export function formatConntrack(
  ct: Conn,
  netOrOpts?: Netns | FormatOptions,
  maybeOpts?: FormatOptions,
): string {
  // A Netns has a kernel; FormatOptions never do (no instanceof: the Netns may come from another copy of core).
  const opts = netOrOpts !== undefined && 'kernel' in netOrOpts ? (maybeOpts ?? {}) : (netOrOpts ?? {});
  return formatConnBody(dumpConn(ct, secctxOf(ct.net)), opts);
}

function secctxOf(net: Netns): SecctxResolver | null {
  return net.find(ECACHE_NET)?.secctx ?? null;
}

/**
 * One /proc/net/nf_conntrack line (ct_seq_show, docs/formats.md §2): l3 columns always, no
 * helper, `zone=` always, delta-time from the exact elapsed time, use + 1.
 */
export function formatProcConntrack(ct: Conn): string {
  const s = dumpConn(ct, secctxOf(ct.net));
  let out = `${padRight(l3Name(s.l3num), 8)} ${s.l3num} ${padRight(procL4Name(s.protonum), 8)} ${s.protonum} `;
  if ((s.status & IPS_OFFLOAD) === 0) out += `${s.timeout ?? 0} `;
  if (s.state !== null) out += `${s.state} `;
  out += tupleText(s.orig);
  if (s.counters !== null) out += counterText(s.counters[0]);
  if ((s.status & IPS_SEEN_REPLY) === 0) out += '[UNREPLIED] ';
  out += tupleText(s.reply);
  if (s.counters !== null) out += counterText(s.counters[1]);
  out += offloadOrAssured(s.status);
  out += `mark=${s.mark ?? 0} `;
  if (s.secctx !== null) out += `secctx=${s.secctx} `;
  out += `zone=${s.zone} `;
  if (s.tstamp !== null) {
    const d = s.atUs - s.tstamp.startUs;
    out += `delta-time=${d > 0 ? Math.floor(d / 1_000_000) : 0} `;
  }
  return `${out}use=${(s.use ?? 0) + 1}`;
}
