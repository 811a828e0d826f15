/**
 * Link-layer decoding: where the IPv4 or IPv6 header starts in a frame of a given link type.
 * Numbers are LINKTYPE_* as stored in pcap/pcapng files (DLT_RAW 12 and 14 are what
 * libpcap maps to LINKTYPE_RAW on the systems that wrote them).
 */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const SUPPORTED = new Set([
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
]);

export function isSupportedLinktype(lt: number): boolean {
  return SUPPORTED.has(lt);
}

/** Frame carries neither IPv4 nor IPv6 (ARP, LLDP, ...): counted and skipped. */
export const NOT_IP = -1;
/** Frame too short for its own link header: counted and skipped. */
export const SHORT_FRAME = -2;
/** NFPROTO_IPV4 / NFPROTO_IPV6 (the hook family a decoded frame goes to). */
export const FAMILY_IPV4 = 2;
export const FAMILY_IPV6 = 10;

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
/** Pre-standard QinQ outer tag still seen in captures. */
const ETH_P_QINQ1 = 0x9100;
const AF_INET = 2;
/**
 * AF_INET6 differs by the capturing OS (Linux 10, FreeBSD/DragonFly 28, Darwin 30,
 * NetBSD/OpenBSD 24); a NULL/LOOP header may carry any of them.
 */
const AF_INET6_VALUES = [10, 24, 28, 30];

function isVlan(type: number): boolean {
  return type === ETH_P_8021Q || type === ETH_P_8021AD || type === ETH_P_QINQ1;
}

function familyOfAf(af: number): number {
  if (af === AF_INET) return FAMILY_IPV4;
  return AF_INET6_VALUES.includes(af) ? FAMILY_IPV6 : NOT_IP;
}

/**
 * Link-layer decoding of one frame: `decode()` returns the family of the network header
 * (FAMILY_IPV4 / FAMILY_IPV6) or NOT_IP / SHORT_FRAME, and leaves the header's offset
 * (relative to the frame start) in `nhoff`. One instance per reader, reused for every
 * frame: allocation-free, as it runs per packet.
 */
export class LinkDecoder {
  nhoff = 0;

  decode(linktype: number, b: Uint8Array, off: number, len: number): number {
    switch (linktype) {
      case LINKTYPE_ETHERNET:
        return this.afterEthertype(b, off, len, 12);
      case LINKTYPE_LINUX_SLL: // 16-byte header, protocol at 14
        return len < 16 ? SHORT_FRAME : this.afterEthertype(b, off, len, 14);
      case LINKTYPE_LINUX_SLL2: // 20-byte header, protocol at 0
        return len < 20 ? SHORT_FRAME : this.sll2(b, off, len);
      case LINKTYPE_RAW:
      case DLT_RAW_12:
      case DLT_RAW_14:
        return this.rawIp(b, off, len);
      case LINKTYPE_IPV4:
        return this.at(0, len < 1 ? SHORT_FRAME : FAMILY_IPV4);
      case LINKTYPE_IPV6:
        return this.at(0, len < 1 ? SHORT_FRAME : FAMILY_IPV6);
      case LINKTYPE_NULL:
        return this.bsdNull(b, off, len);
      case LINKTYPE_LOOP:
        return this.openbsdLoop(b, off, len);
      default:
        return NOT_IP;
    }
  }

  private at(nhoff: number, family: number): number {
    this.nhoff = nhoff;
    return family;
  }

  /** `typeAt` is where the ethertype sits; VLAN tags (stacked) after it are skipped. */
  private afterEthertype(b: Uint8Array, off: number, len: number, typeAt: number): number {
    let p = typeAt;
    for (;;) {
      if (p + 2 > len) return SHORT_FRAME;
      const type = (b[off + p]! << 8) | b[off + p + 1]!;
      if (type === ETH_P_IP) return this.at(p + 2, FAMILY_IPV4);
      if (type === ETH_P_IPV6) return this.at(p + 2, FAMILY_IPV6);
      if (!isVlan(type)) return NOT_IP;
      p += 4; // TCI (2) then the inner ethertype
    }
  }

  /** Raw IP: the version nibble says which (LINKTYPE_RAW carries both). */
  private rawIp(b: Uint8Array, off: number, len: number): number {
    if (len < 1) return SHORT_FRAME;
    const v = b[off]! >>> 4;
    return v === 4 ? this.at(0, FAMILY_IPV4) : v === 6 ? this.at(0, FAMILY_IPV6) : NOT_IP;
  }

  /** BSD NULL: AF_ value in the capturing host's byte order, so accept either order. */
  private bsdNull(b: Uint8Array, off: number, len: number): number {
    if (len < 4) return SHORT_FRAME;
    const le = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
    const be = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
    const f = familyOfAf(le);
    return this.at(4, f !== NOT_IP ? f : familyOfAf(be));
  }

  /** OpenBSD LOOP: AF_ value always in network byte order. */
  private openbsdLoop(b: Uint8Array, off: number, len: number): number {
    if (len < 4) return SHORT_FRAME;
    const be = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
    return this.at(4, familyOfAf(be));
  }

  private sll2(b: Uint8Array, off: number, len: number): number {
    const type = (b[off]! << 8) | b[off + 1]!;
    if (type === ETH_P_IP) return this.at(20, FAMILY_IPV4);
    if (type === ETH_P_IPV6) return this.at(20, FAMILY_IPV6);
    if (!isVlan(type)) return NOT_IP;
    // A VLAN-tagged cooked frame: the tag follows the 20-byte header.
    const r = this.afterEthertype(b, off + 20, len - 20, 2);
    if (r >= 0) this.nhoff += 20;
    return r;
  }
}
