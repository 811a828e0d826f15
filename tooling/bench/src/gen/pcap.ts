/**
 * A small, fast pcap writer for generated workloads: Ethernet frames carrying IPv4, built
 * in place in one growing buffer (no object per packet), with correct IPv4, TCP and UDP
 * checksums, so the tracker's checksum checks pass as they would on real traffic.
 * Little-endian microsecond pcap (magic a1b2c3d4), LINKTYPE_ETHERNET.
 */
const ETH = 14;
const REC = 16;

export interface TcpSeg {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** TCP flag byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16). */
  flags: number;
  win: number;
  payload: number;
  /** SYN options: MSS 1460, SACK permitted, window scale `wscale` (-1 = none). */
  wscale?: number;
}

export interface UdpDgram {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  payload: number;
}

export const FIN = 1;
export const SYN = 2;
export const RST = 4;
export const PSH = 8;
export const ACK = 16;

export class PcapOut {
  buf: Uint8Array;
  private view: DataView;
  len = 24;
  packets = 0;
  private ipId = 1;

  constructor(initial = 1 << 20) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 262144, true);
    v.setUint32(20, 1, true);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Start a record of `ipLen` IPv4 bytes at `tsUs`; returns the IPv4 header offset. */
  private record(tsUs: number, ipLen: number): number {
    this.ensure(REC + ETH + ipLen);
    const v = this.view;
    const o = this.len;
    const sec = Math.floor(tsUs / 1e6);
    v.setUint32(o, sec, true);
    v.setUint32(o + 4, tsUs - sec * 1e6, true);
    v.setUint32(o + 8, ETH + ipLen, true);
    v.setUint32(o + 12, ETH + ipLen, true);
    const e = o + REC;
    // dst 02:00:00:00:00:02, src 02:00:00:00:00:01, type 0x0800
    this.buf.fill(0, e, e + 12);
    this.buf[e] = 2;
    this.buf[e + 5] = 2;
    this.buf[e + 6] = 2;
    this.buf[e + 11] = 1;
    v.setUint16(e + 12, 0x0800);
    this.len = e + ETH + ipLen;
    this.packets++;
    return e + ETH;
  }

  /** IPv4 header (20 bytes, DF unless a fragment) with its checksum. */
  private ip(
    o: number,
    total: number,
    proto: number,
    src: number,
    dst: number,
    fragWord = 0x4000,
    id = -1,
  ): void {
    const v = this.view;
    v.setUint8(o, 0x45);
    v.setUint8(o + 1, 0);
    v.setUint16(o + 2, total);
    v.setUint16(o + 4, id >= 0 ? id : this.ipId++ & 0xffff);
    v.setUint16(o + 6, fragWord);
    v.setUint8(o + 8, 64);
    v.setUint8(o + 9, proto);
    v.setUint16(o + 10, 0);
    v.setUint32(o + 12, src >>> 0);
    v.setUint32(o + 16, dst >>> 0);
    v.setUint16(o + 10, ~sum16(this.buf, o, 20, 0) & 0xffff);
  }

  private payload(o: number, n: number, seed: number): void {
    const b = this.buf;
    for (let i = 0; i < n; i++) b[o + i] = (seed + i * 31) & 0xff;
  }

  tcp(tsUs: number, s: TcpSeg): void {
    const opts = (s.flags & SYN) !== 0 ? (s.wscale !== undefined && s.wscale >= 0 ? 12 : 8) : 0;
    const thl = 20 + opts;
    const total = 20 + thl + s.payload;
    const o = this.record(tsUs, total);
    this.ip(o, total, 6, s.src, s.dst);
    const t = o + 20;
    const v = this.view;
    v.setUint16(t, s.sport);
    v.setUint16(t + 2, s.dport);
    v.setUint32(t + 4, s.seq >>> 0);
    v.setUint32(t + 8, (s.flags & ACK) !== 0 ? s.ack >>> 0 : 0);
    v.setUint8(t + 12, (thl >> 2) << 4);
    v.setUint8(t + 13, s.flags);
    v.setUint16(t + 14, s.win);
    v.setUint16(t + 16, 0);
    v.setUint16(t + 18, 0);
    if (opts > 0) {
      // MSS 1460, SACK permitted, [NOP, window scale]
      const b = this.buf;
      const x = t + 20;
      b[x] = 2;
      b[x + 1] = 4;
      b[x + 2] = 0x05;
      b[x + 3] = 0xb4;
      b[x + 4] = 4;
      b[x + 5] = 2;
      b[x + 6] = 1;
      b[x + 7] = 1;
      if (opts === 12) {
        b[x + 8] = 1;
        b[x + 9] = 3;
        b[x + 10] = 3;
        b[x + 11] = s.wscale!;
      }
    }
    this.payload(t + thl, s.payload, s.seq);
    v.setUint16(t + 16, l4csum(this.buf, t, thl + s.payload, s.src, s.dst, 6));
  }

  udp(tsUs: number, u: UdpDgram): void {
    const total = 28 + u.payload;
    const o = this.record(tsUs, total);
    this.ip(o, total, 17, u.src, u.dst);
    const t = o + 20;
    const v = this.view;
    v.setUint16(t, u.sport);
    v.setUint16(t + 2, u.dport);
    v.setUint16(t + 4, 8 + u.payload);
    v.setUint16(t + 6, 0);
    this.payload(t + 8, u.payload, u.sport);
    const c = l4csum(this.buf, t, 8 + u.payload, u.src, u.dst, 17);
    v.setUint16(t + 6, c === 0 ? 0xffff : c);
  }

  /**
   * A UDP datagram of `payload` bytes sent as IPv4 fragments of at most `mtu` bytes
   * (first fragment carries the UDP header; offsets in 8-byte units).
   */
  udpFragmented(tsUs: number, u: UdpDgram, mtu: number, gapUs: number): number {
    const l4 = new Uint8Array(8 + u.payload);
    const lv = new DataView(l4.buffer);
    lv.setUint16(0, u.sport);
    lv.setUint16(2, u.dport);
    lv.setUint16(4, l4.length);
    for (let i = 0; i < u.payload; i++) l4[8 + i] = (u.sport + i * 31) & 0xff;
    const c = l4csum(l4, 0, l4.length, u.src, u.dst, 17);
    lv.setUint16(6, c === 0 ? 0xffff : c);
    const per = (mtu - 20) & ~7;
    const id = this.ipId++ & 0xffff;
    let n = 0;
    for (let off = 0; off < l4.length; off += per) {
      const chunk = Math.min(per, l4.length - off);
      const more = off + chunk < l4.length ? 0x2000 : 0;
      const o = this.record(tsUs + n * gapUs, 20 + chunk);
      this.ip(o, 20 + chunk, 17, u.src, u.dst, more | (off >> 3), id);
      this.buf.set(l4.subarray(off, off + chunk), o + 20);
      n++;
    }
    return n;
  }

  /** A TCP segment carrying `text` (ASCII) as payload. */
  tcpText(tsUs: number, s: Omit<TcpSeg, 'payload'>, text: string): void {
    const total = 40 + text.length;
    const o = this.record(tsUs, total);
    this.ip(o, total, 6, s.src, s.dst);
    const t = o + 20;
    const v = this.view;
    v.setUint16(t, s.sport);
    v.setUint16(t + 2, s.dport);
    v.setUint32(t + 4, s.seq >>> 0);
    v.setUint32(t + 8, s.ack >>> 0);
    v.setUint8(t + 12, 5 << 4);
    v.setUint8(t + 13, s.flags);
    v.setUint16(t + 14, s.win);
    v.setUint16(t + 16, 0);
    v.setUint16(t + 18, 0);
    for (let i = 0; i < text.length; i++) this.buf[t + 20 + i] = text.charCodeAt(i);
    v.setUint16(t + 16, l4csum(this.buf, t, 20 + text.length, s.src, s.dst, 6));
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function sum16(b: Uint8Array, off: number, len: number, start: number): number {
  let s = start;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i === end) s += b[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function l4csum(b: Uint8Array, off: number, len: number, src: number, dst: number, proto: number): number {
  const s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
  return ~sum16(b, off, len, s) & 0xffff;
}

/** Dotted quad → u32. */
export function ip4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/**
 * The packets of a pcap written by PcapOut (or any LE/BE µs pcap with Ethernet + IPv4),
 * in memory: one Uint8Array per IPv4 packet (a view into the file's buffer) and the
 * timestamps.
 */
export interface Packets {
  pkts: Uint8Array[];
  ts: Float64Array;
  bytes: number;
}

export function parsePcap(file: Uint8Array): Packets {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = v.getUint32(0, true);
  if (magic !== 0xa1b2c3d4) throw new Error('expected a little-endian µs pcap');
  const pkts: Uint8Array[] = [];
  const tsList: number[] = [];
  let o = 24;
  while (o + 16 <= file.length) {
    const incl = v.getUint32(o + 8, true);
    const ts = v.getUint32(o, true) * 1e6 + v.getUint32(o + 4, true);
    const f = o + 16;
    if (v.getUint16(f + 12) === 0x0800) {
      pkts.push(file.subarray(f + ETH, f + incl));
      tsList.push(ts);
    }
    o = f + incl;
  }
  return { pkts, ts: Float64Array.from(tsList), bytes: file.length };
}
