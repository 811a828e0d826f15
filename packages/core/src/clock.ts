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
  private us: number;
  constructor(startUs = 0) {
    this.us = startUs;
  }
  nowUs(): number {
    return this.us;
  }
  /** Move to `us`; time never goes backwards (an out-of-order packet keeps the clock). */
  set(us: number): void {
    if (us > this.us) this.us = us;
  }
  advance(deltaUs: number): void {
    this.us += deltaUs;
  }
}

export class RealClock implements Clock {
  private readonly origin = performance.timeOrigin * 1000;
  nowUs(): number {
    return Math.floor(this.origin + performance.now() * 1000);
  }
}
