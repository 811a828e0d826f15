import type { ConnEventType, ExpectEventType } from './constants.js';

/** The protocol part of a tuple, by what conntrack-tools prints for that protocol. */
export type L4Fields =
  | { readonly kind: 'ports'; readonly sport: number; readonly dport: number }
  | { readonly kind: 'icmp'; readonly type: number; readonly code: number; readonly id: number }
  | { readonly kind: 'gre'; readonly srckey: number; readonly dstkey: number }
  /** A third-party l4's own `printTuple` text. */
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'none' };

/** One direction's tuple as a message carries it (addresses as text). */
export interface TupleSnapshot {
  readonly src: string;
  readonly dst: string;
  readonly protonum: number;
  readonly l4: L4Fields;
}

export interface CounterSnapshot {
  readonly packets: number;
  readonly bytes: number;
}

/**
 * A conn as one ctnetlink message carries it: every field is the attribute's value, or
 * null when the kernel does not send that attribute in this message (docs/ecache.md §4).
 * Taken at delivery; later changes to the conn never show here.
 */
export interface ConnSnapshot {
  readonly id: number;
  readonly l3num: number;
  readonly protonum: number;
  /** Remaining seconds (floor(jiffies / HZ)); null when not sent (expired DESTROY). */
  readonly timeout: number | null;
  /** l4 state text (TCP "ESTABLISHED"); null when protoinfo is not sent. */
  readonly state: string | null;
  readonly orig: TupleSnapshot;
  readonly reply: TupleSnapshot;
  /** IPS_* bits. */
  readonly status: number;
  readonly mark: number | null;
  readonly secmark: number;
  readonly secctx: string | null;
  /** Conntrack zone (0 = default). */
  readonly zone: number;
  /** [ORIGINAL, REPLY] counters when the conn has acct and the message carries them. */
  readonly counters: readonly [CounterSnapshot, CounterSnapshot] | null;
  /** Start/stop in µs since the epoch when the conn has tstamp and the message carries it; stop 0 = running. */
  readonly tstamp: { readonly startUs: number; readonly stopUs: number } | null;
  readonly helper: string | null;
  /** Reference count (dumps only). */
  readonly use: number | null;
  /** Master's ORIGINAL tuple (RELATED events and dumps of expected conns). */
  readonly master: TupleSnapshot | null;
  /** Clock (µs) when the snapshot was taken: "now" for a running delta-time. */
  readonly atUs: number;
}

/** One conntrack event message, as a listener receives it (frozen). */
export interface ConnEvent {
  readonly kind: 'conn';
  readonly type: ConnEventType;
  /** IPCT_* bits the message reports (cache | missed). */
  readonly events: number;
  /** net.nowUs at delivery (what `-o timestamp` prints for a replay). */
  readonly timestampUs: number;
  /** Requester of the change (netlink portid), 0 for packet-driven events. */
  readonly portid: number;
  /** Namespace number of the Netns it happened in. */
  readonly netns: number;
  readonly conn: ConnSnapshot;
}

/** An expectation as a ctnetlink expectation message carries it. */
export interface ExpectSnapshot {
  /** Remaining seconds, ≥ 0. */
  readonly timeout: number;
  readonly l3num: number;
  readonly protonum: number;
  readonly tuple: TupleSnapshot;
  /** Mask as the kernel reports it: source from the expectation, destination all-ones. */
  readonly mask: TupleSnapshot;
  /** The master's ORIGINAL tuple. */
  readonly master: TupleSnapshot;
  /** Master's zone (0 = default, not printed). */
  readonly zone: number;
  readonly flags: number;
  readonly class: number;
  /** The master's current helper name. */
  readonly helper: string | null;
  /** Policy name of the class, if the helper gives one (/proc only). */
  readonly policyName: string | null;
}

export interface ExpectEvent {
  readonly kind: 'expect';
  readonly type: ExpectEventType;
  /** IPEXP_* bits. */
  readonly events: number;
  readonly timestampUs: number;
  readonly portid: number;
  readonly netns: number;
  readonly exp: ExpectSnapshot;
}

export type CtEvent = ConnEvent | ExpectEvent;
