import {
  type HookOps,
  NF_INET_LOCAL_IN,
  NF_INET_LOCAL_OUT,
  NF_INET_POST_ROUTING,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_CONNTRACK,
  NF_IP_PRI_CONNTRACK_CONFIRM,
  NF_IP_PRI_CONNTRACK_HELPER,
  NFPROTO_IPV4,
  nfConntrackConfirm,
  nfConntrackHelperHook,
  nfConntrackIn,
} from '@ctrack/core';

/**
 * ipv4_conntrack_ops (the 3.x–4.x layout, docs/core.md §6): conntrack in on PRE_ROUTING and
 * LOCAL_OUT at -200, the helper at 300 and confirm last on POST_ROUTING and LOCAL_IN.
 */
export const ipv4ConntrackOps: readonly HookOps[] = [
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_PRE_ROUTING,
    priority: NF_IP_PRI_CONNTRACK,
    hook: nfConntrackIn,
    name: 'ipv4_conntrack_in',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_LOCAL_OUT,
    priority: NF_IP_PRI_CONNTRACK,
    hook: nfConntrackIn,
    name: 'ipv4_conntrack_local',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_POST_ROUTING,
    priority: NF_IP_PRI_CONNTRACK_HELPER,
    hook: nfConntrackHelperHook,
    name: 'ipv4_helper',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_POST_ROUTING,
    priority: NF_IP_PRI_CONNTRACK_CONFIRM,
    hook: nfConntrackConfirm,
    name: 'ipv4_confirm',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_LOCAL_IN,
    priority: NF_IP_PRI_CONNTRACK_HELPER,
    hook: nfConntrackHelperHook,
    name: 'ipv4_helper',
  },
  {
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_LOCAL_IN,
    priority: NF_IP_PRI_CONNTRACK_CONFIRM,
    hook: nfConntrackConfirm,
    name: 'ipv4_confirm',
  },
];
