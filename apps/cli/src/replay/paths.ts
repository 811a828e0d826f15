/** Which hook path a replayed packet takes (docs/architecture.md "The packet path"). */
export const PATH_IN = 0;
export const PATH_OUT = 1;
export const PATH_FWD = 2;
export const PATH_NAMES = ['in', 'out', 'fwd'] as const;

/**
 * Classifies packets by the `--local` addresses: to one → input (PRE_ROUTING,
 * LOCAL_IN), from one → output (LOCAL_OUT, POST_ROUTING), else forward. A packet
 * between two local addresses counts as received (input), as the capture shows the
 * copy arriving. Reads the addresses in place; no allocation.
 */
export class PathClassifier {
  private readonly local: Set<number>;

  constructor(local: Iterable<number>) {
    this.local = new Set(local);
  }

  get hasLocal(): boolean {
    return this.local.size > 0;
  }

  classify(b: Uint8Array, nh: number, len: number): number {
    if (this.local.size === 0 || len < 20) return PATH_FWD;
    if (this.local.has(u32(b, nh + 16))) return PATH_IN;
    if (this.local.has(u32(b, nh + 12))) return PATH_OUT;
    return PATH_FWD;
  }
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
