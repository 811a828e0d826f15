import {
  type CtModule,
  HOOKS,
  type HookOps,
  NF_INET_LOCAL_OUT,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_CONNTRACK_DEFRAG,
  NFPROTO_IPV4,
} from '@ctrack/core';
import { DEFRAG_NET, DEFRAG_QUEUES, DefragNet, ipv4ConntrackDefrag } from './defrag.js';

/** ipv4_defrag_ops: PRE_ROUTING and LOCAL_OUT at NF_IP_PRI_CONNTRACK_DEFRAG (-400). */
export const ipv4DefragOps: readonly HookOps[] = [
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_PRE_ROUTING,
    priority: NF_IP_PRI_CONNTRACK_DEFRAG,
    hook: ipv4ConntrackDefrag,
    name: 'ipv4_conntrack_defrag',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_LOCAL_OUT,
    priority: NF_IP_PRI_CONNTRACK_DEFRAG,
    hook: ipv4ConntrackDefrag,
    name: 'ipv4_conntrack_defrag',
  },
];

/**
 * nf_defrag_ipv4: IPv4 reassembly in front of conntrack (docs/defrag.md). `init` registers
 * the two hooks; every netns gets its queues, the `net.ipv4.ipfrag_*` knobs, the
 * reassembly MIB (`net.get(DEFRAG_NET).mib`) and a timer source for queue expiry.
 */
export const defragModule: CtModule = {
  name: 'nf_defrag_ipv4',
  description: 'IPv4 reassembly before conntrack (PRE_ROUTING and LOCAL_OUT at -400), net.ipv4.ipfrag_*',
  package: '@ctrack/defrag',
  init(c) {
    c.get(HOOKS).registerMany(ipv4DefragOps);
  },
  initNet(net) {
    const dn = new DefragNet(net);
    net.provide(DEFRAG_QUEUES, dn);
    net.provide(DEFRAG_NET, dn);
  },
  exitNet(net) {
    net.find(DEFRAG_QUEUES)?.destroy();
  },
};
