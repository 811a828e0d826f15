import { CaptureError, truncated } from './errors.js';
import type { Framer } from './framer.js';
import { isPcapMagic, PcapFramer } from './pcap.js';
import { BT_SHB, PcapngFramer } from './pcapng.js';
import { CaptureRecord, type RecordSink } from './record.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * Push parser for pcap and pcapng: feed chunks of any size with `push`, then `end`.
 * Records are emitted synchronously to the sink as one reused CaptureRecord that points
 * into the chunk itself; only a unit split across chunks is copied, into a reused
 * reassembly buffer, and only the bytes that unit needs.
 */
export class CaptureReader {
  readonly record = new CaptureRecord();
  /** Bytes consumed by complete units so far (= offset of the unit in progress). */
  private pos = 0;
  private framer: Framer | null = null;
  private pend = new Uint8Array(0);
  private pendView = new DataView(this.pend.buffer);
  private pendLen = 0;
  private ended = false;
  private source: string;

  constructor(
    private readonly sink: RecordSink,
    source = 'capture',
  ) {
    this.source = source;
  }

  /** Detected format, once the first four bytes were seen. */
  get format(): CaptureFormat | null {
    if (this.framer === null) return null;
    return this.framer instanceof PcapFramer ? 'pcap' : 'pcapng';
  }

  /** Total bytes taken in (complete units plus a pending partial one). */
  get bytesRead(): number {
    return this.pos + this.pendLen;
  }

  /** Parse a chunk; throws a CaptureError (records before it were emitted). */
  push(chunk: Uint8Array): void {
    try {
      let off = 0;
      if (this.pendLen > 0) {
        off = this.fillPending(chunk);
        if (this.pendLen > 0) return;
      }
      this.parse(chunk, off);
    } catch (e) {
      throw this.label(e);
    }
  }

  /** End of input: a partial unit is a truncation error. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendLen === 0 && this.pos > 0) return;
    try {
      const f = this.framerFor(this.pend, this.pendView, 0, this.pendLen);
      const need = f === null ? 4 : f.need(this.pend, this.pendView, 0, this.pendLen, this.pos);
      throw truncated(f === null ? 'file header' : f.what, this.pos, need, this.pendLen);
    } catch (e) {
      throw this.label(e);
    }
  }

  private label(e: unknown): unknown {
    return e instanceof CaptureError ? e.withSource(this.source) : e;
  }

  private parse(chunk: Uint8Array, off: number): void {
    const end = chunk.length;
    if (off === end) return;
    const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (off < end) {
      const avail = end - off;
      const f = this.framerFor(chunk, v, off, avail);
      const n = f === null ? 4 : f.need(chunk, v, off, avail, this.pos);
      if (n > avail) {
        this.keep(chunk, off, avail, n);
        return;
      }
      f!.unit(chunk, v, off, n, this.pos);
      off += n;
      this.pos += n;
    }
  }

  /** Complete the pending unit from the head of `chunk`; returns the bytes taken. */
  private fillPending(chunk: Uint8Array): number {
    let taken = 0;
    for (;;) {
      const f = this.framerFor(this.pend, this.pendView, 0, this.pendLen);
      const n = f === null ? 4 : f.need(this.pend, this.pendView, 0, this.pendLen, this.pos);
      if (n <= this.pendLen) {
        f!.unit(this.pend, this.pendView, 0, n, this.pos);
        this.pos += n;
        this.pendLen = 0;
        return taken;
      }
      const take = Math.min(n - this.pendLen, chunk.length - taken);
      this.ensure(n);
      this.pend.set(chunk.subarray(taken, taken + take), this.pendLen);
      this.pendLen += take;
      taken += take;
      if (this.pendLen < n) return taken;
    }
  }

  private keep(chunk: Uint8Array, off: number, avail: number, need: number): void {
    this.ensure(Math.max(need, avail));
    this.pend.set(chunk.subarray(off, off + avail), 0);
    this.pendLen = avail;
  }

  private ensure(n: number): void {
    if (this.pend.length >= n) return;
    const next = new Uint8Array(Math.max(n, this.pend.length * 2, 4096));
    next.set(this.pend.subarray(0, this.pendLen));
    this.pend = next;
    this.pendView = new DataView(next.buffer);
  }

  /** The format's framer, chosen from the magic once four bytes are there; null before. */
  private framerFor(b: Uint8Array, v: DataView, off: number, avail: number): Framer | null {
    if (this.framer !== null) return this.framer;
    if (avail < 4) return null;
    const magic = v.getUint32(off, false);
    if (isPcapMagic(magic)) this.framer = new PcapFramer(this.record, this.sink);
    else if (magic === BT_SHB) this.framer = new PcapngFramer(this.record, this.sink);
    else throw new CaptureError(`not a pcap or pcapng capture (magic 0x${hex(b, off)})`, this.pos);
    return this.framer;
  }
}

function hex(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += b[off + i]!.toString(16).padStart(2, '0');
  return s;
}
