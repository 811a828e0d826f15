import type { Conn } from './conn.js';
import { IP_CT_INVALID } from './constants.js';

const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/** Big-endian u16 at `off` of `d` (a plain byte read: no DataView needed). */
export function readU16(d: Uint8Array, off: number): number {
  return (d[off]! << 8) | d[off + 1]!;
}

/** Big-endian u32 at `off` of `d`, as a non-negative number. */
export function readU32(d: Uint8Array, off: number): number {
  return ((d[off]! << 24) | (d[off + 1]! << 16) | (d[off + 2]! << 8) | d[off + 3]!) >>> 0;
}

/**
 * Big-endian u32 at `off` of `d` as the int32 of the same bits (`readU32(d, off) | 0`):
 * always a small integer, so it never becomes a heap number, whatever the inlining.
 * For addresses and TCP sequence numbers kept as int32 (see Tuple).
 */
export function readI32(d: Uint8Array, off: number): number {
  return (d[off]! << 24) | (d[off + 1]! << 16) | (d[off + 2]! << 8) | d[off + 3]!;
}

/**
 * The packet (struct sk_buff, reduced to what conntrack reads). The host program owns
 * it and reuses one object for every packet: `set()` points it at new bytes and clears
 * the per-packet results. Nothing here is allocated per packet.
 */
export class Skb {
  /** Packet bytes; the IPv4 header starts at `nhoff`. */
  data: Uint8Array = new Uint8Array(0);
  /**
   * DataView over the same buffer as `data` (reads are relative to `data.byteOffset`),
   * made on first use for each new `data`: a packet path that reads bytes directly
   * (readU16/readU32) never pays for one, even when every packet is its own subarray.
   */
  get view(): DataView {
    const d = this.data;
    if (this.viewData !== d) {
      const v = this.dv;
      if (v.buffer !== d.buffer || v.byteOffset !== d.byteOffset || v.byteLength !== d.byteLength) {
        this.dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
      }
      this.viewData = d;
    }
    return this.dv;
  }
  set view(v: DataView) {
    this.dv = v;
    this.viewData = this.data;
  }
  private dv: DataView = EMPTY_VIEW;
  private viewData: Uint8Array = this.data;
  /** Offset of the network header inside `data`. */
  nhoff = 0;
  /** Bytes of the packet from `nhoff` on (the IP total length once trimmed). */
  len = 0;
  /** Capture or arrival time, microseconds since the Unix epoch. */
  tstampUs = 0;
  /** skb->mark. */
  mark = 0;
  /** Conntrack zone id from a template (`ct zone set` before conntrack). */
  zone = 0;
  /** Interface index the packet arrived on / leaves by (informational). */
  ifindex = 0;

  // --- results written by the hooks -------------------------------------------------
  /** Attached conn (skb->_nfct), or null. */
  ct: Conn | null = null;
  /** enum ip_conntrack_info for `ct`; IP_CT_INVALID when no conn, IP_CT_UNTRACKED when untracked. */
  ctinfo = IP_CT_INVALID;
  /** Set by the l3 get_l4proto step: IP protocol and transport header offset (from `data[0]`). */
  protonum = 0;
  thoff = 0;
  /**
   * Why the packet was judged invalid, as the kernel would log it with
   * nf_conntrack_log_invalid (e.g. "invalid tcp flag combination"). Static strings only.
   */
  invalidReason: string | null = null;
  /** Set by a hook that keeps the packet (e.g. defrag queueing a fragment). */
  stolen = false;

  /** Point the skb at a new packet. `data` may be a view into a larger buffer. */
  set(data: Uint8Array, nhoff: number, len: number, tstampUs: number): this {
    this.data = data;
    this.nhoff = nhoff;
    this.len = len;
    this.tstampUs = tstampUs;
    this.reset();
    return this;
  }

  /** Clear per-packet results (keeps bytes, mark and zone). */
  reset(): void {
    this.ct = null;
    this.ctinfo = IP_CT_INVALID;
    this.protonum = 0;
    this.thoff = 0;
    this.invalidReason = null;
    this.stolen = false;
  }
}
