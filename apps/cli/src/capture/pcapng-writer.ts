import { BT_EPB, BT_IDB, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC } from './pcapng.js';

export interface PcapngInterface {
  linktype: number;
  snaplen?: number;
  /** Raw if_tsresol byte (e.g. 9 = ns, 0x80|20 = 2^-20 s); omitted = µs. */
  tsresol?: number;
  /** if_tsoffset: seconds added to every timestamp (may be negative). */
  tsoffset?: number;
}

/**
 * A minimal pcapng writer for tests: sections, interfaces (with if_tsresol), EPB, SPB
 * and arbitrary blocks, in either byte order.
 */
export class PcapngWriter {
  private readonly parts: Uint8Array[] = [];
  private le: boolean;
  private resol: number[] = [];

  constructor(opts: { littleEndian?: boolean } = {}) {
    this.le = opts.littleEndian ?? true;
    this.section(this.le);
  }

  /** Start a new section (its own byte order and interface list). */
  section(littleEndian: boolean): this {
    this.le = littleEndian;
    this.resol = [];
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, BYTE_ORDER_MAGIC, this.le);
    v.setUint16(4, 1, this.le);
    v.setUint16(6, 0, this.le);
    v.setBigInt64(8, -1n, this.le); // section length unknown
    return this.block(BT_SHB, body);
  }

  interface(i: PcapngInterface): this {
    const hasRes = i.tsresol !== undefined;
    const hasOff = i.tsoffset !== undefined;
    const opts = (hasRes ? 8 : 0) + (hasOff ? 12 : 0);
    const body = new Uint8Array(8 + (opts > 0 ? opts + 4 : 0));
    const v = new DataView(body.buffer);
    v.setUint16(0, i.linktype, this.le);
    v.setUint32(4, i.snaplen ?? 0, this.le);
    let p = 8;
    if (hasRes) {
      v.setUint16(p, 9, this.le);
      v.setUint16(p + 2, 1, this.le);
      body[p + 4] = i.tsresol!;
      p += 8;
    }
    if (hasOff) {
      v.setUint16(p, 14, this.le);
      v.setUint16(p + 2, 8, this.le);
      v.setBigInt64(p + 4, BigInt(i.tsoffset!), this.le);
      p += 12;
    }
    // opt_endofopt (zero) follows when there were options
    this.resol.push(hasRes ? resolution(i.tsresol!) : 1e6);
    return this.block(BT_IDB, body);
  }

  /** Enhanced Packet Block; `units` is the raw 64-bit timestamp in the interface's units. */
  epb(ifId: number, units: bigint, frame: Uint8Array, origlen = frame.length): this {
    const body = new Uint8Array(20 + pad4(frame.length));
    const v = new DataView(body.buffer);
    v.setUint32(0, ifId, this.le);
    v.setUint32(4, Number(units >> 32n), this.le);
    v.setUint32(8, Number(units & 0xffffffffn), this.le);
    v.setUint32(12, frame.length, this.le);
    v.setUint32(16, origlen, this.le);
    body.set(frame, 20);
    return this.block(BT_EPB, body);
  }

  /** EPB with a µs timestamp converted to the interface's resolution. */
  packet(ifId: number, tsUs: number, frame: Uint8Array): this {
    const r = this.resol[ifId] ?? 1e6;
    return this.epb(ifId, (BigInt(tsUs) * BigInt(r)) / 1_000_000n, frame);
  }

  spb(frame: Uint8Array, origlen = frame.length): this {
    const body = new Uint8Array(4 + pad4(frame.length));
    new DataView(body.buffer).setUint32(0, origlen, this.le);
    body.set(frame, 4);
    return this.block(BT_SPB, body);
  }

  /** Any block: type, body (padded to 4). */
  block(type: number, body: Uint8Array): this {
    const len = 12 + pad4(body.length);
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, len, this.le);
    b.set(body, 8);
    v.setUint32(len - 4, len, this.le);
    this.parts.push(b);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function resolution(x: number): number {
  return x & 0x80 ? 2 ** (x & 0x7f) : 10 ** (x & 0x7f);
}
