import { CaptureError } from './errors.js';
import type { Framer } from './framer.js';
import { isSupportedLinktype } from './linktype.js';
import type { CaptureRecord, RecordSink } from './record.js';
import { unitsToUs } from './timestamp.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_OPB = 2; // obsolete Packet Block, still written by old tools
export const BT_SPB = 3;
export const BT_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Largest block accepted (Wireshark's limit); anything longer is corruption. */
export const MAX_BLOCK = 16 * 1024 * 1024;

/** One Interface Description Block. */
interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second (if_tsresol; default 10^6). */
  unitsPerSec: number;
  /** if_tsoffset in µs, added to every timestamp. */
  offsetUs: number;
}

/**
 * pcapng: blocks of (type, total length, body, total length). Each Section Header
 * Block fixes the byte order and starts a new interface list; EPB/SPB/OPB carry
 * packets; every other block type is skipped.
 */
export class PcapngFramer implements Framer {
  what = 'section header block';
  private le = false;
  private ifaces: Iface[] = [];
  private lastTsUs = 0;
  private count = 0;

  constructor(
    private readonly rec: CaptureRecord,
    private readonly sink: RecordSink,
  ) {}

  need(_b: Uint8Array, v: DataView, off: number, avail: number, pos: number): number {
    if (avail < 8) {
      this.what = 'block header';
      return 8;
    }
    const type = v.getUint32(off, this.le);
    if (type === BT_SHB) {
      // The section's byte order is only known from its magic at offset 8.
      this.what = 'section header block';
      if (avail < 12) return 12;
      this.le = this.sectionOrder(v.getUint32(off + 8, false), pos);
    }
    const len = v.getUint32(off + 4, this.le);
    this.checkLength(type, len, pos);
    this.what = type === BT_SHB ? 'section header block' : `block (type ${type})`;
    return len;
  }

  private sectionOrder(magic: number, pos: number): boolean {
    if (magic === BYTE_ORDER_MAGIC) return false;
    if (magic === 0x4d3c2b1a) return true;
    throw new CaptureError(`bad pcapng byte-order magic 0x${hex(magic)}`, pos + 8);
  }

  private checkLength(type: number, len: number, pos: number): void {
    const min = type === BT_SHB ? 28 : 12;
    if (len < min || len % 4 !== 0 || len > MAX_BLOCK) {
      throw new CaptureError(`bad block length ${len} for block type 0x${hex(type)}`, pos + 4);
    }
  }

  unit(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void {
    const le = this.le;
    const trailer = v.getUint32(off + len - 4, le);
    if (trailer !== len) {
      throw new CaptureError(
        `block trailer length ${trailer} does not match its length ${len}`,
        pos + len - 4,
      );
    }
    const type = v.getUint32(off, le);
    if (type === BT_SHB) this.ifaces = [];
    else if (type === BT_IDB) this.idb(v, off, len, pos);
    else if (type === BT_EPB) this.epb(b, v, off, len, pos);
    else if (type === BT_SPB) this.spb(b, v, off, len, pos);
    else if (type === BT_OPB) this.opb(b, v, off, len, pos);
    // every other block type (statistics, name resolution, custom...) is skipped
  }

  private idb(v: DataView, off: number, len: number, pos: number): void {
    if (len < 20) throw new CaptureError('interface description block too short', pos);
    const linktype = v.getUint16(off + 8, this.le);
    if (!isSupportedLinktype(linktype)) {
      throw new CaptureError(`unsupported link type ${linktype} (interface ${this.ifaces.length})`, pos + 8);
    }
    const iface: Iface = { linktype, snaplen: v.getUint32(off + 12, this.le), unitsPerSec: 1e6, offsetUs: 0 };
    this.options(v, off + 16, off + len - 4, iface, pos);
    this.ifaces.push(iface);
  }

  /** IDB options: if_tsresol and if_tsoffset; others are skipped. */
  private options(v: DataView, p: number, end: number, iface: Iface, pos: number): void {
    while (p + 4 <= end) {
      const code = v.getUint16(p, this.le);
      const olen = v.getUint16(p + 2, this.le);
      if (code === 0) return;
      if (p + 4 + olen > end) throw new CaptureError(`option ${code} overruns its block`, pos);
      if (code === OPT_IF_TSRESOL && olen >= 1) iface.unitsPerSec = tsresol(v.getUint8(p + 4), pos);
      if (code === OPT_IF_TSOFFSET && olen >= 8) {
        iface.offsetUs = Number(v.getBigInt64(p + 4, this.le)) * 1_000_000;
      }
      p += 4 + ((olen + 3) & ~3);
    }
  }

  private iface(id: number, pos: number): Iface {
    const f = this.ifaces[id];
    if (f === undefined) throw new CaptureError(`packet for undeclared interface ${id}`, pos);
    return f;
  }

  private epb(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void {
    if (len < 32) throw new CaptureError('enhanced packet block too short', pos);
    this.timedPacket(b, v, off, len, pos, v.getUint32(off + 8, this.le));
  }

  /**
   * The body EPB and the obsolete Packet Block share after the interface id:
   * timestamp (high, low), captured length, original length, data at +28.
   */
  private timedPacket(b: Uint8Array, v: DataView, off: number, len: number, pos: number, id: number): void {
    const le = this.le;
    const f = this.iface(id, pos + 8);
    const caplen = v.getUint32(off + 20, le);
    if (caplen > len - 32) {
      throw new CaptureError(`captured length ${caplen} overruns its block of ${len} bytes`, pos + 20);
    }
    const ts = unitsToUs(v.getUint32(off + 12, le), v.getUint32(off + 16, le), f.unitsPerSec) + f.offsetUs;
    this.emit(b, off + 28, caplen, v.getUint32(off + 24, le), ts, f, id, pos);
  }

  /** Simple Packet Block: interface 0, no timestamp (the previous packet's time is kept). */
  private spb(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void {
    if (len < 16) throw new CaptureError('simple packet block too short', pos);
    const f = this.iface(0, pos);
    const orig = v.getUint32(off + 8, this.le);
    let caplen = Math.min(orig, len - 16);
    if (f.snaplen !== 0) caplen = Math.min(caplen, f.snaplen);
    this.emit(b, off + 12, caplen, orig, this.lastTsUs, f, 0, pos);
  }

  private opb(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void {
    if (len < 32) throw new CaptureError('packet block too short', pos);
    this.timedPacket(b, v, off, len, pos, v.getUint16(off + 8, this.le));
  }

  private emit(
    b: Uint8Array,
    at: number,
    caplen: number,
    orig: number,
    ts: number,
    f: Iface,
    id: number,
    pos: number,
  ) {
    const rec = this.rec;
    rec.data = b;
    rec.offset = at;
    rec.caplen = caplen;
    rec.origlen = orig;
    rec.tsUs = ts;
    rec.linktype = f.linktype;
    rec.ifIndex = id;
    rec.fileOffset = pos;
    rec.index = ++this.count;
    this.lastTsUs = ts;
    this.sink(rec);
  }
}

/** if_tsresol: high bit clear = 10^-n s, set = 2^-n s. */
function tsresol(x: number, pos: number): number {
  const n = x & 0x7f;
  const r = x & 0x80 ? 2 ** n : 10 ** n;
  if (!Number.isFinite(r) || r < 1 || n > 63)
    throw new CaptureError(`unsupported if_tsresol 0x${hex(x)}`, pos);
  return r;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
