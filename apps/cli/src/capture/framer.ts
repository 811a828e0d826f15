/**
 * A capture format as a sequence of self-delimiting units (file header, records,
 * blocks). The push reader asks `need` how long the unit at the current position is
 * (from whatever prefix is there), and hands the complete unit to `unit`. This keeps
 * the formats free of chunking concerns.
 */
export interface Framer {
  /**
   * Length of the unit starting at `b[off]`, given that `avail` bytes are present; when
   * the prefix is too short to know, the prefix length needed to find out. Throws a
   * CaptureError for a corrupt length. `pos` is the unit's offset in the input.
   */
  need(b: Uint8Array, v: DataView, off: number, avail: number, pos: number): number;
  /** Process a complete unit of `len` bytes at `b[off]`. */
  unit(b: Uint8Array, v: DataView, off: number, len: number, pos: number): void;
  /** Name of the unit being read, for a truncation message ("record header"). */
  readonly what: string;
}
