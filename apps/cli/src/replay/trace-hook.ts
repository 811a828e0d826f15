import {
  type CtModule,
  HOOKS,
  type HookOps,
  IP_CT_INVALID,
  NF_ACCEPT,
  NF_INET_LOCAL_IN,
  NF_INET_POST_ROUTING,
  NF_IP_PRI_CONNTRACK_CONFIRM,
  NFPROTO_IPV4,
  type Skb,
} from '@ctrack/core';

/**
 * What conntrack made of the packet, captured by a hook on the last hook point of
 * every path (LOCAL_IN for input, POST_ROUTING for output and forward) one priority
 * below confirm: conntrack in, the l4 tracker and the helper have run, and the packet
 * still holds its conn. The path functions release the conn afterwards, so this is the
 * one clean place to see it.
 */
export class TraceProbe {
  /** The hook ran for the current packet. */
  seen = false;
  ctinfo = IP_CT_INVALID;
  /** l4 state after the packet (TCP "ESTABLISHED"), or "". */
  state = '';
  /** Conn id, or 0 without a conn. */
  id = 0;

  reset(): void {
    this.seen = false;
    this.ctinfo = IP_CT_INVALID;
    this.state = '';
    this.id = 0;
  }

  readonly hook = (skb: Skb): number => {
    this.seen = true;
    this.ctinfo = skb.ctinfo;
    const ct = skb.ct;
    this.state = ct?.l4proto.printConntrack?.(ct) ?? '';
    this.id = ct?.id ?? 0;
    return NF_ACCEPT;
  };

  private ops(hooknum: number): HookOps {
    return {
      pf: NFPROTO_IPV4,
      hooknum,
      priority: NF_IP_PRI_CONNTRACK_CONFIRM - 1,
      hook: this.hook,
      name: 'ctrack_trace',
    };
  }

  /** A module registering the probe, so `ctrack modules --trace` shows it like any other. */
  module(): CtModule {
    const ops = [this.ops(NF_INET_LOCAL_IN), this.ops(NF_INET_POST_ROUTING)];
    return {
      name: 'ctrack_trace',
      requires: ['nf_conntrack_ipv4'],
      description: 'replay --trace: reads each packet’s ctinfo and l4 state just before confirm',
      init(c) {
        c.get(HOOKS).registerMany(ops);
      },
      exit(c) {
        for (const o of ops) c.get(HOOKS).unregister(o);
      },
    };
  }
}
