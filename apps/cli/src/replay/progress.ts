import { fstatSync } from 'node:fs';

/** Files at least this large get a progress line (small ones finish before it matters). */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

/** Where stdout and stderr go, as far as the progress line cares. */
export interface Terminals {
  stderrIsTty: boolean;
  /** stdout is the same terminal as stderr: a redrawn line would garble the output. */
  stdoutSameTty: boolean;
}

/** The process's own streams: same terminal = both TTYs on the same device. */
export function processTerminals(): Terminals {
  const stderrIsTty = process.stderr.isTTY === true;
  let same = false;
  if (stderrIsTty && process.stdout.isTTY === true) {
    try {
      same = fstatSync(1).rdev === fstatSync(2).rdev;
    } catch {
      same = true;
    }
  }
  return { stderrIsTty, stdoutSameTty: same };
}

/**
 * 'auto': only when stderr is a terminal that stdout is not also printing to (the
 * `\r` redraws would be mixed into the output lines), never in CI, only for a large file.
 */
export function wantProgress(
  mode: boolean | 'auto',
  size: number | null,
  env: Record<string, string | undefined> = process.env,
  tty: Terminals = processTerminals(),
): boolean {
  if (mode !== 'auto') return mode;
  if (!tty.stderrIsTty || tty.stdoutSameTty) return false;
  return !env.CI && size !== null && size >= PROGRESS_MIN_BYTES;
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
