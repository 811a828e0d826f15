import {
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './linktype.js';

export interface FrameOptions {
  /** Ethertype (default 0x0800; 0x86dd for IPv6); another value builds a non-IP frame. */
  ethertype?: number;
  /** VLAN tags outermost first, each [tpid, vid] (e.g. [[0x88a8, 10], [0x8100, 20]]). */
  vlans?: readonly (readonly [number, number])[];
  /** NULL/LOOP: address family (default 2, AF_INET; AF_INET6 is 10, 24, 28 or 30 by OS). */
  family?: number;
  /** NULL: write the family little-endian (the capturing host's order on x86). */
  littleEndian?: boolean;
}

/**
 * Wrap an IP packet in the link header of `linktype` (tests, fixtures, benchmarks).
 * MAC addresses are fixed; only what the reader looks at varies.
 */
export function encapsulate(linktype: number, ip: Uint8Array, o: FrameOptions = {}): Uint8Array {
  const type = o.ethertype ?? 0x0800;
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      return concat(ethHeader(), tags(o.vlans, type), ip);
    case LINKTYPE_LINUX_SLL: {
      const h = new Uint8Array(14);
      const v = new DataView(h.buffer);
      v.setUint16(0, 0); // to us
      v.setUint16(2, 1); // ARPHRD_ETHER
      v.setUint16(4, 6);
      h.set([2, 0, 0, 0, 0, 1], 6);
      return concat(h, tags(o.vlans, type), ip);
    }
    case LINKTYPE_LINUX_SLL2: {
      const h = new Uint8Array(20);
      const v = new DataView(h.buffer);
      v.setUint16(0, o.vlans?.length ? o.vlans[0]![0] : type);
      v.setUint32(4, 2); // ifindex
      v.setUint16(8, 1);
      h[11] = 6;
      const rest = o.vlans?.length ? tags(o.vlans, type).subarray(2) : new Uint8Array(0);
      return concat(h, rest, ip);
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      const h = new Uint8Array(4);
      new DataView(h.buffer).setUint32(
        0,
        o.family ?? 2,
        linktype === LINKTYPE_NULL && (o.littleEndian ?? true),
      );
      return concat(h, ip);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
    case DLT_RAW_12:
    case DLT_RAW_14:
      return ip;
    default:
      throw new Error(`encapsulate: unsupported link type ${linktype}`);
  }
}

function ethHeader(): Uint8Array {
  return Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
}

/** The VLAN tags then the final ethertype, as they follow the MAC addresses. */
function tags(vlans: FrameOptions['vlans'], type: number): Uint8Array {
  const out = new Uint8Array(4 * (vlans?.length ?? 0) + 2);
  const v = new DataView(out.buffer);
  let p = 0;
  for (const [tpid, vid] of vlans ?? []) {
    v.setUint16(p, tpid);
    v.setUint16(p + 2, vid & 0xfff);
    p += 4;
  }
  v.setUint16(p, type);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
