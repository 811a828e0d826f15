import { csumFold, csumPartial } from '../checksum.js';
import { Skb } from '../skb.js';
import { parseIpv4 } from '../tuple.js';

/**
 * Packet builders for tests, benchmarks and plugin authors: real IPv4/TCP/UDP/ICMP
 * bytes with correct checksums (or deliberately wrong ones). Not for the hot path.
 */

export interface Ipv4Spec {
  src: string | number;
  dst: string | number;
  proto: number;
  payload: Uint8Array;
  id?: number;
  ttl?: number;
  tos?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  mf?: boolean;
  df?: boolean;
  /** Extra header bytes (options), a multiple of 4. */
  options?: Uint8Array;
  badChecksum?: boolean;
  /** Override the total length field. */
  totalLength?: number;
}

const addr = (a: string | number): number => (typeof a === 'number' ? a >>> 0 : parseIpv4(a));

export function ipv4(s: Ipv4Spec): Uint8Array {
  const optLen = s.options?.length ?? 0;
  const ihl = 20 + optLen;
  const out = new Uint8Array(ihl + s.payload.length);
  const v = new DataView(out.buffer);
  out[0] = 0x40 | (ihl >> 2);
  out[1] = s.tos ?? 0;
  v.setUint16(2, s.totalLength ?? out.length);
  v.setUint16(4, s.id ?? 0);
  const frag = ((s.fragOffset ?? 0) >> 3) | (s.mf ? 0x2000 : 0) | (s.df ? 0x4000 : 0);
  v.setUint16(6, frag);
  out[8] = s.ttl ?? 64;
  out[9] = s.proto;
  v.setUint32(12, addr(s.src));
  v.setUint32(16, addr(s.dst));
  if (s.options) out.set(s.options, 20);
  v.setUint16(10, csumFold(csumPartial(out, 0, ihl)) ^ (s.badChecksum ? 0x5555 : 0));
  out.set(s.payload, ihl);
  return out;
}

function pseudo(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
}

export interface TcpOptions {
  mss?: number;
  wscale?: number;
  sackPerm?: boolean;
  /** SACK blocks (left, right) as sequence numbers. */
  sack?: readonly (readonly [number, number])[];
  timestamp?: readonly [number, number];
}

export interface TcpSpec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Flags as letters: F S R P A U E C (e.g. "S", "SA", "A", "FA", "R", "PA"). */
  flags: string;
  win?: number;
  options?: TcpOptions;
  payload?: Uint8Array;
  badChecksum?: boolean;
  /** Override the data offset (in 32-bit words). */
  doff?: number;
}

const TCP_FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

export function tcpOptionsBytes(o: TcpOptions | undefined): Uint8Array {
  if (!o) return new Uint8Array(0);
  const b: number[] = [];
  if (o.mss !== undefined) b.push(2, 4, o.mss >> 8, o.mss & 0xff);
  if (o.sackPerm) b.push(4, 2);
  if (o.timestamp) {
    const [a, e] = o.timestamp;
    b.push(
      8,
      10,
      a >>> 24,
      (a >>> 16) & 255,
      (a >>> 8) & 255,
      a & 255,
      e >>> 24,
      (e >>> 16) & 255,
      (e >>> 8) & 255,
      e & 255,
    );
  }
  if (o.wscale !== undefined) b.push(1, 3, 3, o.wscale);
  if (o.sack && o.sack.length > 0) {
    b.push(1, 1, 5, 2 + 8 * o.sack.length);
    for (const [l, r] of o.sack) {
      for (const x of [l >>> 0, r >>> 0]) b.push(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
    }
  }
  while (b.length % 4 !== 0) b.push(0);
  return Uint8Array.from(b);
}

export function tcp(s: TcpSpec, src: string | number, dst: string | number): Uint8Array {
  const opts = tcpOptionsBytes(s.options);
  const hlen = 20 + opts.length;
  const payload = s.payload ?? new Uint8Array(0);
  const out = new Uint8Array(hlen + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, s.sport);
  v.setUint16(2, s.dport);
  v.setUint32(4, (s.seq ?? 0) >>> 0);
  v.setUint32(8, (s.ack ?? 0) >>> 0);
  let flags = 0;
  for (const ch of s.flags) {
    const bit = TCP_FLAG_BITS[ch];
    if (bit === undefined) throw new Error(`unknown TCP flag ${ch}`);
    flags |= bit;
  }
  out[12] = (s.doff ?? hlen >> 2) << 4;
  out[13] = flags;
  v.setUint16(14, s.win ?? 65535);
  out.set(opts, 20);
  out.set(payload, hlen);
  const sum = csumPartial(out, 0, out.length, pseudo(addr(src), addr(dst), 6, out.length));
  v.setUint16(16, csumFold(sum) ^ (s.badChecksum ? 0x1234 : 0));
  return out;
}

export interface UdpSpec {
  sport: number;
  dport: number;
  payload?: Uint8Array;
  badChecksum?: boolean;
  /** Send checksum 0 (none). */
  noChecksum?: boolean;
  /** Override the UDP length field. */
  length?: number;
}

export function udp(s: UdpSpec, src: string | number, dst: string | number): Uint8Array {
  const payload = s.payload ?? new Uint8Array(0);
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, s.sport);
  v.setUint16(2, s.dport);
  v.setUint16(4, s.length ?? out.length);
  out.set(payload, 8);
  if (!s.noChecksum) {
    let c = csumFold(csumPartial(out, 0, out.length, pseudo(addr(src), addr(dst), 17, out.length)));
    if (c === 0) c = 0xffff;
    v.setUint16(6, c ^ (s.badChecksum ? 0x1234 : 0));
  }
  return out;
}

export interface IcmpSpec {
  type: number;
  code?: number;
  id?: number;
  seq?: number;
  /** For errors: the quoted packet (IP header + at least 8 bytes). */
  payload?: Uint8Array;
  badChecksum?: boolean;
}

export function icmp(s: IcmpSpec): Uint8Array {
  const payload = s.payload ?? new Uint8Array(0);
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  out[0] = s.type;
  out[1] = s.code ?? 0;
  v.setUint16(4, s.id ?? 0);
  v.setUint16(6, s.seq ?? 0);
  out.set(payload, 8);
  v.setUint16(2, csumFold(csumPartial(out, 0, out.length)) ^ (s.badChecksum ? 0x1234 : 0));
  return out;
}

/** Convenience: a whole IPv4/TCP packet. */
export function tcpPacket(src: string, dst: string, s: TcpSpec, ip: Partial<Ipv4Spec> = {}): Uint8Array {
  return ipv4({ src, dst, proto: 6, payload: tcp(s, src, dst), ...ip });
}

/** Convenience: a whole IPv4/UDP packet. */
export function udpPacket(src: string, dst: string, s: UdpSpec, ip: Partial<Ipv4Spec> = {}): Uint8Array {
  return ipv4({ src, dst, proto: 17, payload: udp(s, src, dst), ...ip });
}

/** Convenience: a whole IPv4/ICMP packet. */
export function icmpPacket(src: string, dst: string, s: IcmpSpec, ip: Partial<Ipv4Spec> = {}): Uint8Array {
  return ipv4({ src, dst, proto: 1, payload: icmp(s), ...ip });
}

/** An skb holding `bytes` at time `tUs` (a fresh object; tests only). */
export function skbOf(bytes: Uint8Array, tUs = 0): Skb {
  return new Skb().set(bytes, 0, bytes.length, tUs);
}
