import { type CtModule, L4PROTOS } from '@ctrack/core';
import { icmpL4Proto } from './icmp.js';

/**
 * nf_conntrack_proto_icmp: registers the IPv4 ICMP tracker and its knob
 * nf_conntrack_icmp_timeout in every netns. Exit unregisters it: ICMP conns are
 * deleted (DESTROY) and ICMP falls back to the generic tracker (no RELATED errors).
 */
export const icmpModule: CtModule = {
  name: 'nf_conntrack_proto_icmp',
  description: 'ICMP tracker: echo/timestamp/info/mask queries, RELATED errors (nf_conntrack_icmp_timeout)',
  init(c) {
    c.get(L4PROTOS).register(icmpL4Proto);
  },
  exit(c) {
    c.get(L4PROTOS).unregister(icmpL4Proto);
  },
};
