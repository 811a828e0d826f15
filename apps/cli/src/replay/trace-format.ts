import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_NEW,
  IP_CT_RELATED,
  IP_CT_RELATED_REPLY,
  IP_CT_UNTRACKED,
  ipv4ToString,
  ipv6ToString,
  VERDICT_NAMES,
} from '@ctrack/core';
import { formatSecUs } from '@ctrack/ecache';
import { FAMILY_IPV6 } from '../capture/linktype.js';

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
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};
const HAS_PORTS = new Set([6, 17, 33, 132, 136]);

/** Addresses, ports and protocol of a packet, read for the trace line only. */
export interface PacketFacts {
  /** 4 or 6. */
  version: number;
  src: string;
  dst: string;
  /** The transport protocol (IPv6: after the extension headers). */
  proto: number;
  protoName: string;
  sport: number | null;
  dport: number | null;
  icmpType: number | null;
  icmpCode: number | null;
}

/** `family`: FAMILY_IPV4 or FAMILY_IPV6, as the link decoder said. */
export function packetFacts(family: number, b: Uint8Array, nh: number, len: number): PacketFacts | null {
  return family === FAMILY_IPV6 ? packetFacts6(b, nh, len) : packetFacts4(b, nh, len);
}

function packetFacts4(b: Uint8Array, nh: number, len: number): PacketFacts | null {
  if (len < 20) return null;
  const u32 = (o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  const proto = b[nh + 9]!;
  const ihl = (b[nh]! & 0x0f) << 2;
  const firstFrag = ((b[nh + 6]! & 0x1f) | b[nh + 7]!) === 0;
  return l4Facts(
    4,
    ipv4ToString(u32(nh + 12)),
    ipv4ToString(u32(nh + 16)),
    proto,
    b,
    nh + ihl,
    nh + len,
    firstFrag && ihl >= 20,
  );
}

/** IPv6 extension headers the trace walks past (hop-by-hop, routing, fragment, AH, destination options). */
const NEXTHDR_HOP = 0;
const NEXTHDR_ROUTING = 43;
const NEXTHDR_FRAGMENT = 44;
const NEXTHDR_AUTH = 51;
const NEXTHDR_DEST = 60;

function packetFacts6(b: Uint8Array, nh: number, len: number): PacketFacts | null {
  if (len < 40) return null;
  const end = nh + len;
  let next = b[nh + 6]!;
  let p = nh + 40;
  let l4ok = true;
  while (
    next === NEXTHDR_HOP ||
    next === NEXTHDR_ROUTING ||
    next === NEXTHDR_FRAGMENT ||
    next === NEXTHDR_AUTH ||
    next === NEXTHDR_DEST
  ) {
    if (p + 8 > end) {
      l4ok = false;
      break;
    }
    const hdr = next;
    next = b[p]!;
    if (hdr === NEXTHDR_FRAGMENT) {
      // a fragment past the first carries no transport header
      if ((((b[p + 2]! << 8) | b[p + 3]!) & 0xfff8) !== 0) l4ok = false;
      p += 8;
    } else if (hdr === NEXTHDR_AUTH) {
      p += (b[p + 1]! + 2) * 4;
    } else {
      p += (b[p + 1]! + 1) * 8;
    }
  }
  return l4Facts(6, addr6(b, nh + 8), addr6(b, nh + 24), next, b, p, end, l4ok);
}

function addr6(b: Uint8Array, o: number): string {
  const w = (i: number) => (b[o + i]! << 24) | (b[o + i + 1]! << 16) | (b[o + i + 2]! << 8) | b[o + i + 3]!;
  return ipv6ToString(w(0), w(4), w(8), w(12));
}

function l4Facts(
  version: number,
  src: string,
  dst: string,
  proto: number,
  b: Uint8Array,
  th: number,
  end: number,
  l4ok: boolean,
): PacketFacts {
  const ok = l4ok && th + 4 <= end;
  const ports = ok && HAS_PORTS.has(proto);
  const icmp = ok && (proto === 1 || proto === 58);
  return {
    version,
    src,
    dst,
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

/** IPv6 addresses in brackets before a port (RFC 5952 §6): `[2001:db8::1]:40003`. */
function endpoints(f: PacketFacts): string {
  if (f.sport !== null) {
    const [s, d] = f.version === 6 ? [`[${f.src}]`, `[${f.dst}]`] : [f.src, f.dst];
    return `${s}:${f.sport} > ${d}:${f.dport} ${f.protoName}`;
  }
  if (f.icmpType !== null) return `${f.src} > ${f.dst} ${f.protoName} type=${f.icmpType} code=${f.icmpCode}`;
  return `${f.src} > ${f.dst} ${f.protoName}`;
}

/**
 * `#12 1795250780.212355 in 198.18.0.1:40003 > 198.18.0.2:8080 tcp NEW SYN_SENT`,
 * `#3 1796398676.541711 in [2001:db8::1]:40103 > [2001:db8::2]:8080 tcp ESTABLISHED`.
 */
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
