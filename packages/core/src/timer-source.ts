/**
 * A per-netns source of timed work besides the conns' own expiry: the GC worker,
 * expectation timeouts (@ctrack/expect), fragment queue timeouts (@ctrack/defrag).
 * The netns runs every due source at its own deadline, interleaved in time order with
 * conn expiry, so a replay fires each at the exact jiffy it is due.
 */
export interface NetTimerSource {
  /** Jiffy of the next due work (Infinity when none). Read often: keep it a field or cheap getter. */
  readonly next: number;
  /** Do the work due at `now` (jiffies); afterwards `next` must be > now or Infinity. */
  run(now: number): void;
}
