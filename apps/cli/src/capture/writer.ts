import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from './pcap.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* (default 1, Ethernet). */
  linktype?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  nano?: boolean;
  /** Write little-endian (the usual on x86) instead of big-endian. */
  littleEndian?: boolean;
  snaplen?: number;
}

/**
 * A minimal libpcap writer for tests, fixtures and the benchmark generator: frames
 * are appended as records and `toBytes` returns the whole file.
 */
export class PcapWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private readonly le: boolean;
  private readonly nano: boolean;

  constructor(opts: PcapWriterOptions = {}) {
    this.le = opts.littleEndian ?? true;
    this.nano = opts.nano ?? false;
    const h = new Uint8Array(24);
    const v = new DataView(h.buffer);
    v.setUint32(0, this.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setUint32(16, opts.snaplen ?? 262144, this.le);
    v.setUint32(20, opts.linktype ?? 1, this.le);
    this.push(h);
  }

  /**
   * Append a frame captured at `tsUs` (µs since the epoch); `subUs` adds nanoseconds
   * below the microsecond for nanosecond files. `origlen` defaults to the frame length.
   */
  add(
    frame: Uint8Array,
    tsUs: number,
    opts: { origlen?: number; subUsNs?: number; caplen?: number } = {},
  ): this {
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    const sec = Math.floor(tsUs / 1e6);
    const us = tsUs - sec * 1e6;
    v.setUint32(0, sec, this.le);
    v.setUint32(4, this.nano ? us * 1000 + (opts.subUsNs ?? 0) : us, this.le);
    v.setUint32(8, opts.caplen ?? frame.length, this.le);
    v.setUint32(12, opts.origlen ?? frame.length, this.le);
    this.push(h);
    this.push(frame);
    return this;
  }

  /** Append raw bytes (to build corrupt files in tests). */
  raw(bytes: Uint8Array): this {
    this.push(bytes);
    return this;
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
