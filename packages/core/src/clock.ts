import { performance } from 'node:perf_hooks';

/**
 * Injected time. Replay drives a VirtualClock from packet timestamps, so the same
 * capture always gives the same expiries; live use reads the real clock.
 * Times are microseconds since the Unix epoch.
 */
export interface Clock {
  nowUs(): number;
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
