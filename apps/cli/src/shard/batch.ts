/**
 * The records of one round of a sharded replay for one worker, in shared memory: the
 * main thread writes them, the worker reads them in place (the bytes cross threads
 * without a message copy). Entry layout, little-endian:
 *
 * | offset | size | field                                   |
 * |--------|------|-----------------------------------------|
 * | 0      | 1    | kind: TICK (clock only) or RECORD       |
 * | 1      | 1    | 1 when one tracker reads its clock here |
 * | 2      | 2    | linktype (RECORD)                       |
 * | 4      | 4    | record index in the capture (1-based)   |
 * | 8      | 8    | timestamp, µs since the epoch           |
 * | 16     | 4    | caplen (RECORD)                         |
 * | 20     | n    | the frame's bytes (RECORD)              |
 */
export const TICK = 0;
export const RECORD = 1;
const HEADER = 20;
const TICK_SIZE = 16;

/** Bytes per slot: a round is cut when a worker's slot is full. */
export const SLOT_BYTES = 1 << 20;

export class BatchWriter {
  bytes: Uint8Array;
  private view: DataView;
  used = 0;

  constructor(public buffer: SharedArrayBuffer) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  /** Point at another slot's memory and start empty. */
  reset(buffer: SharedArrayBuffer): void {
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.bytes = new Uint8Array(buffer);
      this.view = new DataView(buffer);
    }
    this.used = 0;
  }

  /** Room for a record of `caplen` bytes? */
  fits(caplen: number): boolean {
    return this.used + HEADER + caplen <= this.bytes.length;
  }

  tick(index: number, tsUs: number, sync: boolean): void {
    const v = this.view;
    const o = this.used;
    v.setUint8(o, TICK);
    v.setUint8(o + 1, sync ? 1 : 0);
    v.setUint32(o + 4, index, true);
    v.setFloat64(o + 8, tsUs, true);
    this.used = o + TICK_SIZE;
  }

  record(
    index: number,
    tsUs: number,
    linktype: number,
    data: Uint8Array,
    offset: number,
    caplen: number,
    sync: boolean,
  ): void {
    const v = this.view;
    const o = this.used;
    v.setUint8(o, RECORD);
    v.setUint8(o + 1, sync ? 1 : 0);
    v.setUint16(o + 2, linktype, true);
    v.setUint32(o + 4, index, true);
    v.setFloat64(o + 8, tsUs, true);
    v.setUint32(o + 16, caplen, true);
    this.bytes.set(data.subarray(offset, offset + caplen), o + HEADER);
    this.used = o + HEADER + caplen;
  }
}

/** Room a record needs in an empty slot. */
export function entryBytes(caplen: number): number {
  return HEADER + caplen;
}

/** Walks a slot's entries. */
export class BatchReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  kind = TICK;
  /** One tracker reads its clock at this record. */
  sync = false;
  linktype = 0;
  index = 0;
  tsUs = 0;
  /** Frame start in `bytes` and its length (RECORD). */
  offset = 0;
  caplen = 0;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly end: number,
  ) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  next(): boolean {
    const o = this.pos;
    if (o >= this.end) return false;
    const v = this.view;
    this.kind = v.getUint8(o);
    this.index = v.getUint32(o + 4, true);
    this.tsUs = v.getFloat64(o + 8, true);
    this.sync = v.getUint8(o + 1) === 1;
    if (this.kind === TICK) {
      this.pos = o + TICK_SIZE;
      return true;
    }
    this.linktype = v.getUint16(o + 2, true);
    this.caplen = v.getUint32(o + 16, true);
    this.offset = o + HEADER;
    this.pos = this.offset + this.caplen;
    return true;
  }
}
