import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_NEW,
  IP_CT_RELATED,
  IP_CT_RELATED_REPLY,
  IP_CT_UNTRACKED,
  ipv4ToString,
  VERDICT_NAMES,
} from '@ctrack/core';
import { formatSecUs } from '@ctrack/ecache';

/** ctinfo as nft's `ct state` names it, with _REPLY for the reply direction. */
export function ctinfoName(ctinfo: number): string {
  switch (ctinfo) {
    case IP_CT_ESTABLISHED:
      return 'ESTABLISHED';
    case IP_CT_RELATED:
      return 'RELATED';
    case IP_CT_NEW:
      return 'NEW';
    case IP_CT_ESTABLISHED_REPLY:
      return 'ESTABLISHED_REPLY';
    case IP_CT_RELATED_REPLY:
      return 'RELATED_REPLY';
    case IP_CT_UNTRACKED:
      return 'UNTRACKED';
    default:
      return 'INVALID';
  }
}

export function verdictName(v: number): string {
  return VERDICT_NAMES[v] ?? String(v);
}

const PROTO_NAMES: Record<number, string> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  132: 'sctp',
  136: 'udplite',
};
const HAS_PORTS = new Set([6, 17, 33, 132, 136]);

/** Addresses, ports and protocol of an IPv4 packet, read for the trace line only. */
export interface PacketFacts {
  src: string;
  dst: string;
  proto: number;
  protoName: string;
  sport: number | null;
  dport: number | null;
  icmpType: number | null;
  icmpCode: number | null;
}

export function packetFacts(b: Uint8Array, nh: number, len: number): PacketFacts | null {
  if (len < 20) return null;
  const u32 = (o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  const proto = b[nh + 9]!;
  const ihl = (b[nh]! & 0x0f) << 2;
  const th = nh + ihl;
  const firstFrag = ((b[nh + 6]! & 0x1f) | b[nh + 7]!) === 0;
  const l4ok = firstFrag && ihl >= 20 && ihl + 4 <= len;
  const ports = l4ok && HAS_PORTS.has(proto);
  const icmp = l4ok && proto === 1;
  return {
    src: ipv4ToString(u32(nh + 12)),
    dst: ipv4ToString(u32(nh + 16)),
    proto,
    protoName: PROTO_NAMES[proto] ?? `proto-${proto}`,
    sport: ports ? (b[th]! << 8) | b[th + 1]! : null,
    dport: ports ? (b[th + 2]! << 8) | b[th + 3]! : null,
    icmpType: icmp ? b[th]! : null,
    icmpCode: icmp ? b[th + 1]! : null,
  };
}

/** One replayed packet as --trace shows it. */
export interface TraceEntry {
  n: number;
  tsUs: number;
  path: string;
  facts: PacketFacts | null;
  /** ct state name, or a stage that stopped the packet ("DROPPED_BEFORE_CONNTRACK", "SKIPPED"). */
  ct: string;
  /** l4 state after the packet ("SYN_SENT"), or "". */
  state: string;
  verdict: string;
  /** Why: skb.invalidReason, the ip_rcv MIB counter, or why a frame was skipped. */
  reason: string | null;
  id: number;
  /** IP length of the whole datagram when this packet completed one (defrag). */
  reassembled?: number;
}

/** `sec.usec` as -o timestamp prints it (a time before the epoch keeps its sign). */
export const formatTimestamp = formatSecUs;

function endpoints(f: PacketFacts): string {
  if (f.sport !== null) return `${f.src}:${f.sport} > ${f.dst}:${f.dport} ${f.protoName}`;
  if (f.icmpType !== null) return `${f.src} > ${f.dst} icmp type=${f.icmpType} code=${f.icmpCode}`;
  return `${f.src} > ${f.dst} ${f.protoName}`;
}

/** `#12 1795250780.212355 in 198.18.0.1:40003 > 198.18.0.2:8080 tcp NEW SYN_SENT` */
export function formatTraceLine(e: TraceEntry): string {
  let s = `#${e.n} ${formatTimestamp(e.tsUs)} ${e.path} ${e.facts ? endpoints(e.facts) : '-'} ${e.ct}`;
  if (e.state !== '') s += ` ${e.state}`;
  if (e.verdict !== 'ACCEPT' && e.verdict !== '-') s += ` verdict=${e.verdict}`;
  if (e.reassembled !== undefined) s += ` reassembled=${e.reassembled}`;
  if (e.reason !== null) s += ` (${e.reason})`;
  return s;
}

export function traceJson(e: TraceEntry): string {
  const f = e.facts;
  return JSON.stringify({
    type: 'packet',
    n: e.n,
    // The events' field name and unit (ecache's JSON: timestamp_us).
    timestamp_us: e.tsUs,
    path: e.path,
    src: f?.src ?? null,
    dst: f?.dst ?? null,
    proto: f?.protoName ?? null,
    sport: f?.sport ?? null,
    dport: f?.dport ?? null,
    icmp_type: f?.icmpType ?? null,
    icmp_code: f?.icmpCode ?? null,
    ct: e.ct,
    state: e.state === '' ? null : e.state,
    verdict: e.verdict,
    reason: e.reason,
    // Unsigned, as the events print it (conntrack's id is a u32).
    id: e.id === 0 ? null : e.id >>> 0,
    reassembled: e.reassembled ?? null,
  });
}
