import { CtError, type Netns } from '@ctrack/core';
import { NF_NETLINK_ALL_GROUPS } from './constants.js';
import type { CtEvent } from './event.js';
import type { Listener } from './listener-set.js';
import { ECACHE_NET, type EcacheService } from './tokens.js';

/** The ecache of `net`; ENOENT when the ecache module is not loaded there. */
export function ecacheOf(net: Netns): EcacheService {
  const n = net.find(ECACHE_NET);
  if (n === undefined) throw new CtError('ENOENT', 'nf_conntrack_ecache is not loaded in this netns');
  return n;
}

export interface SubscribeOptions {
  /** Mask of NF_NETLINK_CONNTRACK_* groups (NFCT_ALL_CT_GROUPS for `conntrack -E`). */
  groups: number;
  /** Called when the callback throws; the error goes nowhere else. */
  onError?: (err: unknown, ev: CtEvent) => void;
}

/** What a subscription has seen: messages handed to it, and callbacks that threw. */
export interface Subscription {
  (): void;
  readonly delivered: number;
  readonly errors: number;
}

function checkGroups(groups: number): void {
  if (!Number.isInteger(groups) || groups <= 0 || (groups & ~NF_NETLINK_ALL_GROUPS) !== 0) {
    throw new CtError('EINVAL', `bad event group mask ${groups}`);
  }
}

/**
 * Listen to `net`'s events: `callback` runs synchronously, inside the packet's trip
 * through the hooks, with a frozen event (its snapshot never changes). A throwing
 * callback is counted and never disturbs the packet or the other listeners. Returns
 * the unsubscribe function (also carrying the counters).
 */
export function subscribe(net: Netns, opts: SubscribeOptions, callback: (ev: CtEvent) => void): Subscription {
  checkGroups(opts.groups);
  const ecache = ecacheOf(net);
  const stats = { delivered: 0, errors: 0 };
  const l: Listener = {
    groups: opts.groups,
    reliable: false,
    deliver(ev) {
      stats.delivered++;
      callback(ev);
      return true;
    },
    failed(err, ev) {
      stats.errors++;
      try {
        opts.onError?.(err, ev);
      } catch {
        // an error handler that throws is as harmless as the listener it watches
      }
    },
  };
  ecache.add(l);
  const unsubscribe = (() => void ecache.remove(l)) as Subscription;
  Object.defineProperties(unsubscribe, {
    delivered: { get: () => stats.delivered },
    errors: { get: () => stats.errors },
  });
  return unsubscribe;
}

export interface QueueOptions {
  groups: number;
  /** Messages held before new ones are dropped (the socket receive buffer). */
  capacity: number;
  /**
   * Make a full buffer fail the delivery (NETLINK_BROADCAST_ERROR): the conn keeps the
   * bits as `missed` and sends them with its next message (docs/ecache.md §3).
   */
  reliable?: boolean;
}

/**
 * A bounded event buffer for consumers that read later (async code, another loop).
 * When full, new messages are dropped and counted; the next `read()` then reports
 * ENOBUFS once, as recv() on an overrun netlink socket does.
 */
export class EventQueue {
  private readonly buf: (CtEvent | undefined)[];
  private head = 0;
  private len = 0;
  /** Messages dropped because the buffer was full. */
  dropped = 0;
  private overrun = false;
  private closeFn: (() => void) | null = null;
  private waiter: (() => void) | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new CtError('EINVAL', `bad queue capacity ${capacity}`);
    this.buf = new Array(capacity);
  }

  get size(): number {
    return this.len;
  }

  /** Store a message; false (and counted) when full. */
  push(ev: CtEvent): boolean {
    if (this.len === this.capacity) {
      this.dropped++;
      this.overrun = true;
      return false;
    }
    this.buf[(this.head + this.len) % this.capacity] = ev;
    this.len++;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
    return true;
  }

  /** The oldest message, or undefined when empty. */
  shift(): CtEvent | undefined {
    if (this.len === 0) return undefined;
    const ev = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.len--;
    return ev;
  }

  /** Every buffered message, oldest first. Throws ENOBUFS once after messages were dropped. */
  read(): CtEvent[] {
    if (this.overrun) {
      this.overrun = false;
      throw new CtError('ENOBUFS', `event queue overrun: ${this.dropped} messages lost`);
    }
    const out: CtEvent[] = [];
    for (let ev = this.shift(); ev !== undefined; ev = this.shift()) out.push(ev);
    return out;
  }

  /** Stop receiving (unsubscribe). Buffered messages stay readable. */
  close(): void {
    this.closeFn?.();
    this.closeFn = null;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  get closed(): boolean {
    return this.closeFn === null;
  }

  /** for await (const ev of queue): yields messages until closed and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<CtEvent> {
    for (;;) {
      const ev = this.shift();
      if (ev !== undefined) {
        yield ev;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** @internal bind to the subscription that fills it. */
  attach(close: () => void): void {
    this.closeFn = close;
  }
}

/** Listen with a bounded buffer instead of a callback (see EventQueue). */
export function subscribeQueue(net: Netns, opts: QueueOptions): EventQueue {
  checkGroups(opts.groups);
  const ecache = ecacheOf(net);
  const q = new EventQueue(opts.capacity);
  const l: Listener = {
    groups: opts.groups,
    reliable: opts.reliable === true,
    deliver: (ev) => q.push(ev),
    failed() {},
  };
  ecache.add(l);
  q.attach(() => void ecache.remove(l));
  return q;
}
