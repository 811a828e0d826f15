import { CaptureError } from './errors.js';
import type { Framer } from './framer.js';
import { isSupportedLinktype } from './linktype.js';
import type { CaptureRecord, RecordSink } from './record.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's MAXIMUM_SNAPLEN: no record may be longer, whatever the header says. */
export const MAX_PCAP_RECORD = 262144;

/** True when the first four bytes (read big-endian) are a pcap magic in either byte order. */
export function isPcapMagic(m: number): boolean {
  return (
    m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS || m === PCAP_MAGIC_US_SWAPPED || m === PCAP_MAGIC_NS_SWAPPED
  );
}

/**
 * Classic libpcap format: a 24-byte file header (magic gives byte order and µs/ns
 * resolution, then snaplen and link type) and records of a 16-byte header plus
 * `incl_len` bytes.
 */
export class PcapFramer implements Framer {
  what = 'file header';
  private started = false;
  private le = false;
  private nano = false;
  private snaplen = 0;
  private linktype = 0;
  private count = 0;

  constructor(
    private readonly rec: CaptureRecord,
    private readonly sink: RecordSink,
  ) {}

  need(_b: Uint8Array, v: DataView, off: number, avail: number, pos: number): number {
    if (!this.started) return FILE_HEADER;
    this.what = 'record header';
    if (avail < RECORD_HEADER) return RECORD_HEADER;
    const incl = v.getUint32(off + 8, this.le);
    this.checkLength(incl, pos);
    this.what = 'record data';
    return RECORD_HEADER + incl;
  }

  private checkLength(incl: number, pos: number): void {
    if (incl > MAX_PCAP_RECORD) {
      throw new CaptureError(`absurd record length ${incl} (maximum ${MAX_PCAP_RECORD})`, pos);
    }
  }

  unit(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void {
    if (!this.started) {
      this.header(v, off, pos);
      return;
    }
    const le = this.le;
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const rec = this.rec;
    rec.data = b;
    rec.offset = off + RECORD_HEADER;
    // A record longer than the file's snaplen is read and cut to it, as libpcap does
    // (a writer that set the header's snaplen too small: tcpdump reads such a file).
    const incl = len - RECORD_HEADER;
    rec.caplen = Math.min(incl, this.snaplen);
    rec.origlen = v.getUint32(off + 12, le);
    rec.tsUs = sec * 1_000_000 + (this.nano ? Math.floor(frac / 1000) : frac);
    rec.linktype = this.linktype;
    rec.ifIndex = 0;
    rec.fileOffset = pos;
    rec.index = ++this.count;
    this.sink(rec);
  }

  private header(v: DataView, off: number, pos: number): void {
    const m = v.getUint32(off, false);
    this.le = m === PCAP_MAGIC_US_SWAPPED || m === PCAP_MAGIC_NS_SWAPPED;
    this.nano = m === PCAP_MAGIC_NS || m === PCAP_MAGIC_NS_SWAPPED;
    const major = v.getUint16(off + 4, this.le);
    if (major !== 2) throw new CaptureError(`unsupported pcap version ${major}`, pos + 4);
    // 0 or beyond the maximum means "no limit" (libpcap uses its maximum then).
    const snaplen = v.getUint32(off + 16, this.le);
    this.snaplen = snaplen === 0 || snaplen > MAX_PCAP_RECORD ? MAX_PCAP_RECORD : snaplen;
    // The upper bits carry FCS information; libpcap's LT_LINKTYPE keeps the low 26.
    this.linktype = v.getUint32(off + 20, this.le) & 0x03ffffff;
    if (!isSupportedLinktype(this.linktype)) {
      throw new CaptureError(`unsupported link type ${this.linktype}`, pos + 20);
    }
    this.started = true;
  }
}
