import { FAMILY_IPV6 } from '../capture/linktype.js';

/** Which hook path a replayed packet takes (docs/architecture.md "The packet path"). */
export const PATH_IN = 0;
export const PATH_OUT = 1;
export const PATH_FWD = 2;
export const PATH_NAMES = ['in', 'out', 'fwd'] as const;

/**
 * Classifies packets by the `--local` addresses (IPv4 and IPv6): to one → input
 * (PRE_ROUTING, LOCAL_IN), from one → output (LOCAL_OUT, POST_ROUTING), else forward. A
 * packet between two local addresses counts as received (input), as the capture shows
 * the copy arriving. Reads the addresses in place; no allocation.
 */
export class PathClassifier {
  private readonly local4: Set<number>;
  /** IPv6 addresses, 16 bytes each: a host has few, a linear scan is cheapest. */
  private readonly local6: Uint8Array[];

  /** `local`: each address's bytes in network order (4 or 16, as `parseLocal` returns). */
  constructor(local: Iterable<Uint8Array>) {
    this.local4 = new Set();
    this.local6 = [];
    for (const a of local) {
      if (a.length === 4) this.local4.add(u32(a, 0));
      else if (a.length === 16) this.local6.push(a);
      else throw new RangeError(`local address of ${a.length} bytes`);
    }
  }

  get hasLocal(): boolean {
    return this.local4.size > 0 || this.local6.length > 0;
  }

  /** `family`: FAMILY_IPV4 or FAMILY_IPV6 (linktype.ts), as the link decoder said. */
  classify(family: number, b: Uint8Array, nh: number, len: number): number {
    if (family === FAMILY_IPV6) return this.classify6(b, nh, len);
    if (this.local4.size === 0 || len < 20) return PATH_FWD;
    if (this.local4.has(u32(b, nh + 16))) return PATH_IN;
    if (this.local4.has(u32(b, nh + 12))) return PATH_OUT;
    return PATH_FWD;
  }

  private classify6(b: Uint8Array, nh: number, len: number): number {
    if (this.local6.length === 0 || len < 40) return PATH_FWD;
    if (this.isLocal6(b, nh + 24)) return PATH_IN;
    if (this.isLocal6(b, nh + 8)) return PATH_OUT;
    return PATH_FWD;
  }

  private isLocal6(b: Uint8Array, at: number): boolean {
    for (const a of this.local6) {
      let i = 0;
      while (i < 16 && a[i] === b[at + i]) i++;
      if (i === 16) return true;
    }
    return false;
  }
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
