import type { LineOutput } from '../replay/output.js';

/** Index of the lines made after the last record (drain). */
export const END_INDEX = 2 ** 32;
/** Lines made while the clock advances to a record's time (expiry, timed work). */
export const PHASE_TIME = 0;
/** Lines of the record itself (its trace line, the events it causes). */
export const PHASE_PACKET = 1;

/** Lines and their merge keys, as a worker sends them after a round. */
export interface KeyedLines {
  lines: string[];
  /** Four numbers per line: record index, phase, event time (µs), event rank. */
  keys: Float64Array;
}

/**
 * A worker's output: every line keyed by where one tracker would have printed it (the
 * record being replayed, the phase, and for events of the time phase their instant and
 * rank), so the main thread can merge the workers' lines into one tracker's order.
 */
export class KeyedOutput implements LineOutput {
  index = 0;
  phase = PHASE_TIME;
  private lines: string[] = [];
  private keys: number[] = [];
  private held: string[] | null = null;

  line(text: string): void {
    if (this.held !== null) this.held.push(text);
    else this.push(text, 0, 0);
  }

  event(tsUs: number, rank: number, text: string): void {
    if (this.held !== null) this.held.push(text);
    // In the packet phase one worker prints everything: its own order is the order.
    else if (this.phase === PHASE_PACKET) this.push(text, 0, 0);
    else this.push(text, tsUs, rank);
  }

  hold(): void {
    this.held ??= [];
  }

  release(first?: string): void {
    const h = this.held;
    this.held = null;
    if (first !== undefined) this.line(first);
    if (h !== null) for (const l of h) this.line(l);
  }

  flush(): void {}

  /** The lines since the last take, and forget them. */
  take(): KeyedLines {
    const out = { lines: this.lines, keys: Float64Array.from(this.keys) };
    this.lines = [];
    this.keys = [];
    return out;
  }

  private push(text: string, tsUs: number, rank: number): void {
    this.lines.push(text);
    this.keys.push(this.index, this.phase, tsUs, rank);
  }
}

/** Compare line `i` of `a` with line `j` of `b` by their keys. */
function before(a: Float64Array, i: number, b: Float64Array, j: number): boolean {
  for (let k = 0; k < 4; k++) {
    const x = a[i * 4 + k]!;
    const y = b[j * 4 + k]!;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * Merge the workers' lines of one round into one tracker's order. Each worker's lines
 * are in order already; a line is taken from the first worker whose next line is not
 * after any other's (ties go to the lower worker, keeping each worker's own order).
 */
export function mergeKeyed(parts: readonly KeyedLines[], emit: (line: string) => void): void {
  const pos = parts.map(() => 0);
  for (;;) {
    let best = -1;
    for (let w = 0; w < parts.length; w++) {
      const p = parts[w]!;
      if (pos[w]! >= p.lines.length) continue;
      if (best < 0 || before(p.keys, pos[w]!, parts[best]!.keys, pos[best]!)) best = w;
    }
    if (best < 0) return;
    emit(parts[best]!.lines[pos[best]!++]!);
  }
}
