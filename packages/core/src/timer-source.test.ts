import { describe, expect, it } from 'vitest';
import { Kernel, type NetTimerSource, VirtualClock } from './index.js';

/** A source that records the jiffies it ran at and re-arms itself `times` times. */
class Ticker implements NetTimerSource {
  next: number;
  readonly ran: number[] = [];
  constructor(
    first: number,
    private readonly every: number,
    private times: number,
  ) {
    this.next = first;
  }
  run(now: number): void {
    this.ran.push(now);
    this.next = --this.times > 0 ? now + this.every : Number.POSITIVE_INFINITY;
  }
}

describe('per-netns timer sources (expectations, fragment queues)', () => {
  it('run at their exact deadline as the clock passes it', () => {
    const clock = new VirtualClock(1_000_000_000);
    const net = new Kernel().createNetns({ clock });
    const t = new Ticker(net.jiffies + 250, 250, 3);
    net.addTimerSource(t);
    clock.advance(999_996); // one jiffy (4 ms) short of 1 s
    net.syncClock();
    expect(t.ran).toEqual([]);
    clock.advance(4);
    net.syncClock();
    expect(t.ran).toEqual([net.jiffies]);
    clock.advance(10_000_000);
    net.syncClock();
    expect(t.ran).toHaveLength(3);
    expect(t.ran[2]! - t.ran[0]!).toBe(500);
  });

  it('drain() runs them too, each at its own deadline, with no conn left', () => {
    const clock = new VirtualClock(1_000_000_000);
    const net = new Kernel().createNetns({ clock });
    const start = net.jiffies;
    const t = new Ticker(start + 300 * 250, 10, 2);
    net.addTimerSource(t);
    expect(net.drain()).toBe(start + 300 * 250 + 10);
    expect(t.ran).toEqual([start + 300 * 250, start + 300 * 250 + 10]);
  });

  it('a source that removes itself while running does not stop the others', () => {
    const clock = new VirtualClock(1_000_000_000);
    const net = new Kernel().createNetns({ clock });
    const a = {
      next: net.jiffies + 5,
      run() {
        a.next = Number.POSITIVE_INFINITY;
        net.removeTimerSource(a);
      },
    } satisfies NetTimerSource;
    const b = new Ticker(net.jiffies + 5, 1, 1);
    net.addTimerSource(a);
    net.addTimerSource(b);
    net.drain();
    expect(b.ran).toHaveLength(1);
  });
});
