/**
 * Line output for the replay. Lines are batched into one write (stdout writes per line
 * would dominate a fast replay); `hold` defers lines so a packet's trace line can be
 * printed before the events that packet caused.
 */
/** Where the replay's lines go: `Output` writes them; a sharded replay's worker keys them for the merge. */
export interface LineOutput {
  line(text: string): void;
  /** An event line: `tsUs` and `rank` order events of one instant across a sharded replay's workers. */
  event(tsUs: number, rank: number, text: string): void;
  hold(): void;
  release(first?: string): void;
  flush(): void;
}

export class Output implements LineOutput {
  private buf: string[] = [];
  private held: string[] | null = null;
  private size = 0;

  constructor(
    private readonly write: (text: string) => unknown,
    private readonly limit = 256,
  ) {}

  line(text: string): void {
    if (this.held !== null) {
      this.held.push(text);
      return;
    }
    this.buf.push(text);
    if (++this.size >= this.limit) this.flush();
  }

  event(_tsUs: number, _rank: number, text: string): void {
    this.line(text);
  }

  /** Defer further lines until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /** Stop deferring: write `first` (when given), then the deferred lines. */
  release(first?: string): void {
    const h = this.held;
    this.held = null;
    if (first !== undefined) this.line(first);
    if (h !== null) for (const l of h) this.line(l);
  }

  flush(): void {
    if (this.buf.length === 0) return;
    this.write(`${this.buf.join('\n')}\n`);
    this.buf = [];
    this.size = 0;
  }
}
