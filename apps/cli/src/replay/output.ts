/**
 * Line output for the replay. Lines are batched into one write (stdout writes per line
 * would dominate a fast replay); `hold` defers lines so a packet's trace line can be
 * printed before the events that packet caused.
 */
export class Output {
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
