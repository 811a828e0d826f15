import { type CtModule, HOOKS, L3PROTOS } from '@ctrack/core';
import { ipv4ConntrackOps } from './hooks.js';
import { ipv4L3Proto } from './ipv4.js';

/**
 * nf_conntrack_ipv4: registers the IPv4 l3proto, then its hooks; a failure unwinds
 * what was done in reverse, as nf_conntrack_l3proto_ipv4_init did. Exit: hooks, then l3.
 * The l4 trackers are their own modules (@ctrack/l4-tcp, -udp, -icmp); without them
 * IPv4 packets are tracked by the generic tracker.
 */
export const ipv4Module: CtModule = {
  name: 'nf_conntrack_ipv4',
  description: 'IPv4 l3proto and the conntrack hooks (in -200, helper 300, confirm INT_MAX)',
  init(c) {
    const l3 = c.get(L3PROTOS);
    const hooks = c.get(HOOKS);
    l3.register(ipv4L3Proto);
    try {
      hooks.registerMany(ipv4ConntrackOps);
    } catch (e) {
      l3.unregister(ipv4L3Proto);
      throw e;
    }
  },
  exit(c) {
    for (const ops of [...ipv4ConntrackOps].reverse()) c.get(HOOKS).unregister(ops);
    c.get(L3PROTOS).unregister(ipv4L3Proto);
  },
};
