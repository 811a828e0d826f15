import {
  type Conn,
  type CtModule,
  type EventNotifier,
  IPS_CONFIRMED,
  IPS_DYING,
  Kernel,
  type Netns,
  NF_ACCEPT,
  NF_INET_LOCAL_IN,
  NF_INET_POST_ROUTING,
  NFPROTO_IPV4,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { ipv4Module } from '@ctrack/l3-ipv4';

/** Start of the virtual clock: a whole jiffy (4000 µs), so jiffies = µs / 4000 exactly. */
export const T0 = 1_700_000_000_000_000;

/** One delivered event: IPCT_* bits of one conn, as the notifier saw them. */
export interface SeenEvent {
  ct: Conn;
  bits: number;
  /** Jiffies at delivery. */
  at: number;
}

/**
 * A minimal event notifier (docs/ecache.md §3 delivery rule): bits cached while the packet
 * runs are delivered once at confirm for a confirmed, not dying conn; DESTROY at once.
 */
export class RecordingNotifier implements EventNotifier {
  readonly events: SeenEvent[] = [];
  private readonly pending = new Map<Conn, number>();
  constructor(private readonly net: Netns) {}
  cache(ct: Conn, events: number): void {
    this.pending.set(ct, (this.pending.get(ct) ?? 0) | events);
  }
  deliverCached(ct: Conn): void {
    if ((ct.status & IPS_CONFIRMED) === 0 || (ct.status & IPS_DYING) !== 0) return;
    const bits = this.pending.get(ct) ?? 0;
    this.pending.delete(ct);
    if (bits !== 0) this.events.push({ ct, bits, at: this.net.jiffies });
  }
  report(ct: Conn, events: number): boolean {
    this.events.push({ ct, bits: events, at: this.net.jiffies });
    return true;
  }
  expectEvent(): void {}
}

/** What the packet looked like after conntrack (seen by a hook before confirm). */
export interface Seen {
  ctinfo: number;
  ct: Conn | null;
}

/**
 * A kernel with IPv4 and `mods`, one netns on a virtual clock, an event recorder and a
 * ctinfo observer. Used by the l4 packages' tests; plugin authors can use it for theirs.
 */
export function setup(mods: readonly CtModule[]) {
  const kernel = new Kernel();
  kernel.loadAll([ipv4Module, ...mods]);
  const clock = new VirtualClock(T0);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  const notifier = new RecordingNotifier(net);
  net.registerNotifier(notifier);
  const seen: Seen = { ctinfo: -2, ct: null };
  const observe = (s: Skb) => {
    seen.ctinfo = s.ctinfo;
    seen.ct = s.ct;
    return NF_ACCEPT;
  };
  for (const hooknum of [NF_INET_LOCAL_IN, NF_INET_POST_ROUTING]) {
    kernel.hooks.register({ pf: NFPROTO_IPV4, hooknum, priority: 0, hook: observe, name: 'test_observer' });
  }
  const skb = new Skb();
  /** Put `bytes` through the path at `atUs` (µs after T0). */
  const send = (bytes: Uint8Array, atUs: number, path: 'input' | 'output' | 'forward' = 'input') => {
    clock.set(T0 + atUs);
    skb.set(bytes, 0, bytes.length, T0 + atUs);
    seen.ctinfo = -2;
    seen.ct = null;
    const verdict = net[path](skb);
    // The observer hook wrote `seen` during the path (TS cannot know it changed).
    const after = seen as Seen;
    return { verdict, ctinfo: after.ctinfo, ct: after.ct, reason: skb.invalidReason };
  };
  /** Let time pass to `atUs` (µs after T0), firing expiries. */
  const at = (atUs: number) => {
    clock.set(T0 + atUs);
    net.syncClock();
  };
  /** Remaining timeout in whole seconds, as `conntrack -L` prints it. */
  const secondsLeft = (ct: Conn) => Math.floor(Math.max(ct.timeout - net.jiffies, 0) / net.hz);
  return { kernel, clock, net, notifier, skb, send, at, secondsLeft, T0 };
}

export const SEC = 1_000_000;
