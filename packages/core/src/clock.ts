import { performance } from 'node:perf_hooks';

/**
 * Injected time. Replay drives a VirtualClock from packet timestamps, so the same
 * capture always gives the same expiries; live use reads the real clock.
 * Times are microseconds since the Unix epoch.
 */
export interface Clock {
  nowUs(): number;
  /**
   * Optional: a one-slot array that always holds nowUs() (a VirtualClock's own time).
   * The netns reads it directly on every packet: a microsecond timestamp is not a small
   * integer, so returning it from a call that is not inlined allocates a heap number.
   */
  readonly cell?: Float64Array;
}

export class VirtualClock implements Clock {
  /**
   * The time lives in a Float64Array: microsecond timestamps are beyond the small-integer
   * range, and storing a fresh double into an object field allocates a heap number per
   * packet; a typed-array slot is written in place.
   */
  private readonly us = new Float64Array(1);
  constructor(startUs = 0) {
    this.us[0] = startUs;
  }
  /** The time itself (read-only for users: set it with set() / advance()). */
  get cell(): Float64Array {
    return this.us;
  }
  nowUs(): number {
    return this.us[0]!;
  }
  /** Move to `us`; time never goes backwards (an out-of-order packet keeps the clock). */
  set(us: number): void {
    if (us > this.us[0]!) this.us[0] = us;
  }
  advance(deltaUs: number): void {
    this.us[0] = this.us[0]! + deltaUs;
  }
}

export class RealClock implements Clock {
  private readonly origin = performance.timeOrigin * 1000;
  nowUs(): number {
    return Math.floor(this.origin + performance.now() * 1000);
  }
}
