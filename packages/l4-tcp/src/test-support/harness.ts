import {
  type Conn,
  ConnAcct,
  type EventNotifier,
  IP_CT_INVALID,
  Kernel,
  type Netns,
  NF_ACCEPT,
  NF_CT_EXT_ACCT,
  NF_INET_POST_ROUTING,
  nfCtExpires,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { type TcpSpec, tcpPacket } from '@ctrack/core/testing';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { TCP_CONNTRACK_NAMES } from '../constants.js';
import { tcpModule } from '../module.js';
import { TcpConn } from '../tcp-conn.js';

export const T0 = 1_700_000_000_000_000;
export const A = '198.19.10.1';
export const B = '198.19.20.1';
export const HZ = 250;

/** One delivered event: the IPCT_* bits and the state/timeout at that moment. */
export interface SeenEvent {
  bits: number;
  state: string;
  timeout: number;
  status: number;
  /** Counters (nf_conntrack_acct) at that moment, if the conn has them. */
  acct: ConnAcct | null;
}

/**
 * Records events the way ecache would deliver them (cached bits per packet delivered
 * at confirm; DESTROY at once), without depending on @ctrack/ecache.
 */
export class RecordingNotifier implements EventNotifier {
  readonly events: SeenEvent[] = [];
  private readonly pending = new Map<Conn, number>();
  cache(ct: Conn, events: number): void {
    this.pending.set(ct, (this.pending.get(ct) ?? 0) | events);
  }
  deliverCached(ct: Conn): void {
    const bits = this.pending.get(ct) ?? 0;
    this.pending.delete(ct);
    if (bits !== 0 && (ct.status & (1 << 9)) === 0) this.events.push(snap(ct, bits));
  }
  report(ct: Conn, events: number): boolean {
    this.events.push(snap(ct, events));
    return true;
  }
  expectEvent(): void {}
}

function snap(ct: Conn, bits: number): SeenEvent {
  const a = ct.ext?.[NF_CT_EXT_ACCT] as ConnAcct | undefined;
  const acct = a === undefined ? null : Object.assign(new ConnAcct(), a);
  return { bits, state: stateName(ct), timeout: Math.floor(nfCtExpires(ct) / HZ), status: ct.status, acct };
}

export function stateName(ct: Conn): string {
  return ct.proto instanceof TcpConn ? TCP_CONNTRACK_NAMES[ct.proto.state]! : '';
}

/** How a packet travels through the netns. */
export type Path = 'forward' | 'input' | 'output';

/**
 * A router-like netns running ipv4 + tcp conntrack, with helpers to push TCP
 * segments between A (the originator) and B and observe the verdict, ctinfo and conn.
 */
export class Lab {
  readonly kernel = new Kernel();
  readonly clock = new VirtualClock(T0);
  readonly net: Netns;
  readonly notifier = new RecordingNotifier();
  readonly skb = new Skb();
  /** ctinfo and conn of the last packet, seen at POST_ROUTING priority 0 (or LOCAL_IN 0). */
  ctinfo = IP_CT_INVALID;
  ct: Conn | null = null;
  verdict = NF_ACCEPT;
  path: Path = 'forward';

  constructor(sysctls: Record<string, number> = {}) {
    this.kernel.loadAll([ipv4Module, tcpModule]);
    this.net = this.kernel.createNetns({ clock: this.clock, hashSeed: 1, idSeed: 1 });
    this.net.registerNotifier(this.notifier);
    for (const [k, v] of Object.entries(sysctls)) this.net.sysctl.set(k, v);
    const capture = (s: Skb): number => {
      this.ctinfo = s.ctinfo;
      this.ct = s.ct;
      return NF_ACCEPT;
    };
    this.kernel.hooks.register({
      pf: 2,
      hooknum: NF_INET_POST_ROUTING,
      priority: 0,
      hook: capture,
      name: 'capture',
    });
    this.kernel.hooks.register({ pf: 2, hooknum: 1, priority: 0, hook: capture, name: 'capture' });
  }

  /** Send raw IPv4 bytes now. */
  sendBytes(bytes: Uint8Array): number {
    this.ctinfo = IP_CT_INVALID;
    this.ct = null;
    this.skb.set(bytes, 0, bytes.length, this.clock.nowUs());
    const v =
      this.path === 'forward'
        ? this.net.forward(this.skb)
        : this.path === 'input'
          ? this.net.input(this.skb)
          : this.net.output(this.skb);
    this.verdict = v;
    return v;
  }

  /** A segment from A (ORIGINAL) to B: ports 40000 → 5001 unless given. */
  orig(spec: Partial<TcpSpec> & { flags: string }): number {
    return this.sendBytes(tcpPacket(A, B, { sport: 40000, dport: 5001, ...spec }));
  }

  /** A segment from B (REPLY) to A. */
  reply(spec: Partial<TcpSpec> & { flags: string }): number {
    return this.sendBytes(tcpPacket(B, A, { sport: 5001, dport: 40000, ...spec }));
  }

  /** Advance the virtual clock by `ms` milliseconds and fire due timers. */
  advance(ms: number): void {
    this.clock.advance(ms * 1000);
    this.net.syncClock();
  }

  /** The only conn in the table (or undefined). */
  get conn(): Conn | undefined {
    const all = this.net.conns();
    return all.length === 1 ? all[0] : undefined;
  }

  get tcp(): TcpConn {
    return this.conn!.proto as TcpConn;
  }

  get state(): string {
    return stateName(this.conn!);
  }

  /** Remaining timeout of the only conn, in whole seconds as conntrack -L prints it. */
  get timeout(): number {
    return Math.floor(nfCtExpires(this.conn!) / HZ);
  }

  /** Remaining timeout in jiffies. */
  get timeoutJiffies(): number {
    return nfCtExpires(this.conn!);
  }

  /** The normal three-way handshake A→B, ISNs 1000 (A) and 5000 (B). */
  handshake(
    opts: { wsA?: number; wsB?: number; sackA?: boolean; sackB?: boolean; winA?: number; winB?: number } = {},
  ): void {
    this.orig({
      flags: 'S',
      seq: 1000,
      win: opts.winA ?? 64240,
      options: { mss: 1460, wscale: opts.wsA, sackPerm: opts.sackA },
    });
    this.reply({
      flags: 'SA',
      seq: 5000,
      ack: 1001,
      win: opts.winB ?? 65160,
      options: { mss: 1460, wscale: opts.wsB, sackPerm: opts.sackB },
    });
    this.orig({ flags: 'A', seq: 1001, ack: 5001, win: opts.winA ?? 64240 });
  }
}

export const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);
