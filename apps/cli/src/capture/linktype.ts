/**
 * Link-layer decoding: where the IPv4 header starts in a frame of a given link type.
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
  LINKTYPE_LINUX_SLL2,
]);

export function isSupportedLinktype(lt: number): boolean {
  return SUPPORTED.has(lt);
}

/** Frame is not IPv4 (ARP, IPv6, ...): counted and skipped. */
export const NOT_IPV4 = -1;
/** Frame too short for its own link header: counted and skipped. */
export const SHORT_FRAME = -2;
/** An IPv6 frame: counted and skipped while no IPv6 layer is loaded (said so in the summary). */
export const IPV6 = -3;

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
/** Pre-standard QinQ outer tag still seen in captures. */
const ETH_P_QINQ1 = 0x9100;
const AF_INET = 2;
/** AF_INET6 as the capturing systems wrote it: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
function isAfInet6(af: number): boolean {
  return af === 10 || af === 24 || af === 28 || af === 30;
}

function isVlan(type: number): boolean {
  return type === ETH_P_8021Q || type === ETH_P_8021AD || type === ETH_P_QINQ1;
}

/**
 * Offset of the IPv4 header in `b[off .. off+len)`, or NOT_IPV4 / SHORT_FRAME.
 * `typeAt` is where the ethertype sits; VLAN tags (stacked) after it are skipped.
 */
function afterEthertype(b: Uint8Array, off: number, len: number, typeAt: number): number {
  let p = typeAt;
  for (;;) {
    if (p + 2 > len) return SHORT_FRAME;
    const type = (b[off + p]! << 8) | b[off + p + 1]!;
    if (type === ETH_P_IP) return p + 2;
    if (type === ETH_P_IPV6) return IPV6;
    if (!isVlan(type)) return NOT_IPV4;
    p += 4; // TCI (2) then the inner ethertype
  }
}

/** Raw IP: IPv4 only when the version nibble says so (LINKTYPE_RAW also carries IPv6). */
function rawIp(b: Uint8Array, off: number, len: number): number {
  if (len < 1) return SHORT_FRAME;
  const version = b[off]! >>> 4;
  return version === 4 ? 0 : version === 6 ? IPV6 : NOT_IPV4;
}

/** BSD NULL: AF_ value in the capturing host's byte order, so accept 2 either way. */
function bsdNull(b: Uint8Array, off: number, len: number): number {
  if (len < 4) return SHORT_FRAME;
  const le = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
  const be = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  if (le === AF_INET || be === AF_INET) return 4;
  return isAfInet6(le) || isAfInet6(be) ? IPV6 : NOT_IPV4;
}

/** OpenBSD LOOP: AF_ value always in network byte order. */
function openbsdLoop(b: Uint8Array, off: number, len: number): number {
  if (len < 4) return SHORT_FRAME;
  const be = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  if (be === AF_INET) return 4;
  return isAfInet6(be) ? IPV6 : NOT_IPV4;
}

/**
 * Where the IPv4 header starts, relative to `off`, in a frame of `len` captured bytes;
 * IPV6, NOT_IPV4 or SHORT_FRAME otherwise. Allocation-free: this runs per packet.
 */
export function ipv4Offset(linktype: number, b: Uint8Array, off: number, len: number): number {
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      return afterEthertype(b, off, len, 12);
    case LINKTYPE_LINUX_SLL: // 16-byte header, protocol at 14
      return len < 16 ? SHORT_FRAME : afterEthertype(b, off, len, 14);
    case LINKTYPE_LINUX_SLL2: // 20-byte header, protocol at 0
      return len < 20 ? SHORT_FRAME : sll2(b, off, len);
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      return rawIp(b, off, len);
    case LINKTYPE_IPV4:
      return len < 1 ? SHORT_FRAME : 0;
    case LINKTYPE_NULL:
      return bsdNull(b, off, len);
    case LINKTYPE_LOOP:
      return openbsdLoop(b, off, len);
    default:
      return NOT_IPV4;
  }
}

function sll2(b: Uint8Array, off: number, len: number): number {
  const type = (b[off]! << 8) | b[off + 1]!;
  if (type === ETH_P_IP) return 20;
  if (type === ETH_P_IPV6) return IPV6;
  if (!isVlan(type)) return NOT_IPV4;
  // A VLAN-tagged cooked frame: the tag follows the 20-byte header.
  const r = afterEthertype(b, off + 20, len - 20, 2);
  return r < 0 ? r : r + 20;
}
