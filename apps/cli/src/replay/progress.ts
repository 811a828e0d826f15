/** Files at least this large get a progress line (small ones finish before it matters). */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

/** 'auto': only on a terminal, never in CI, only for a large file. */
export function wantProgress(mode: boolean | 'auto', size: number | null, env = process.env): boolean {
  if (mode !== 'auto') return mode;
  return process.stderr.isTTY === true && !env.CI && size !== null && size >= PROGRESS_MIN_BYTES;
}

/**
 * A single self-overwriting stderr line: packets, percent of the file, packets/s.
 * Redrawn at most every 200 ms, from the chunk callback (not per packet).
 */
export class Progress {
  private last = 0;
  private readonly start = Date.now();

  constructor(
    private readonly size: number,
    private readonly write: (text: string) => void,
  ) {}

  update(bytes: number, packets: number): void {
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const pct = this.size > 0 ? Math.min(100, (bytes * 100) / this.size) : 0;
    const rate = Math.round((packets * 1000) / Math.max(1, now - this.start));
    this.write(`\r${packets} packets  ${pct.toFixed(1)}%  ${rate} packets/s\x1b[K`);
  }

  done(): void {
    this.write('\r\x1b[K');
  }
}
