import { type CtModule, L4PROTOS } from '@ctrack/core';
import { tcpL4Proto } from './l4proto.js';

/**
 * nf_conntrack_proto_tcp: registers the TCP tracker in the (IPv4, 6) l4 slot (EBUSY if
 * another tracker holds it). Unloading restores the generic tracker and deletes every
 * TCP conn (DESTROY events); the loader undoes the registration recorded by init.
 */
export const tcpModule: CtModule = {
  name: 'nf_conntrack_proto_tcp',
  description: 'TCP connection tracking: state machine and window tracking (Linux 6.18)',
  init(c) {
    c.get(L4PROTOS).register(tcpL4Proto);
  },
};
