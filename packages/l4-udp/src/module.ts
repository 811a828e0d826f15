import { type CtModule, L4PROTOS } from '@ctrack/core';
import { udpL4Proto } from './udp.js';
import { udpliteL4Proto } from './udplite.js';

/**
 * nf_conntrack_proto_udp: registers the UDP tracker (with its two timeout knobs in every
 * netns), then UDP-Lite, which reads those knobs (both live in nf_conntrack_proto_udp.c
 * in 6.18). A failure unwinds in reverse; exit unregisters in reverse, deleting each
 * protocol's conns (DESTROY) and restoring the generic tracker.
 */
export const udpModule: CtModule = {
  name: 'nf_conntrack_proto_udp',
  description: 'UDP and UDP-Lite trackers (nf_conntrack_udp_timeout, _stream)',
  init(c) {
    const l4 = c.get(L4PROTOS);
    l4.register(udpL4Proto);
    try {
      l4.register(udpliteL4Proto);
    } catch (e) {
      l4.unregister(udpL4Proto);
      throw e;
    }
  },
  exit(c) {
    const l4 = c.get(L4PROTOS);
    l4.unregister(udpliteL4Proto);
    l4.unregister(udpL4Proto);
  },
};
