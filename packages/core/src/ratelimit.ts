/**
 * The kernel's ratelimit_state (lib/ratelimit.c): at most `burst` messages per `interval`
 * jiffies. When a call comes after the interval ended and messages were suppressed in
 * it, the kernel first prints "<func>: <n> callbacks suppressed", then starts a new
 * interval at that jiffy. Time is absolute jiffies (µs since the epoch / 4000), so every
 * netns of a kernel shares one state whatever its jiffy origin.
 */
export class RatelimitState {
  /** Jiffy the current interval began (0: not yet started, as `rs->begin`). */
  private begin = 0;
  private printed = 0;
  private missed = 0;

  constructor(
    /** Name in the suppressed line (`__func__` of the caller of __ratelimit). */
    private readonly func: string,
    private readonly interval: number,
    private readonly burst: number,
  ) {}

  /** ___ratelimit: true when the message may be printed; may first log the suppressed count. */
  allow(nowJiffies: number, log: (line: string) => void): boolean {
    if (this.begin === 0) this.begin = nowJiffies;
    // time_is_before_jiffies(begin + interval): strictly after the interval's end.
    if (nowJiffies > this.begin + this.interval) {
      if (this.missed !== 0) log(`${this.func}: ${this.missed} callbacks suppressed`);
      this.missed = 0;
      this.begin = nowJiffies;
      this.printed = 0;
    }
    if (this.printed < this.burst) {
      this.printed++;
      return true;
    }
    this.missed++;
    return false;
  }
}

/**
 * net_ratelimit_state: the one state every net_*_ratelimited() message shares
 * (net.core.message_cost = 5 s interval, net.core.message_burst = 10).
 */
export function netRatelimitState(hz: number): RatelimitState {
  return new RatelimitState('net_ratelimit', 5 * hz, 10);
}
