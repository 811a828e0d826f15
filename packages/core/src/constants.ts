/** Kernel constants mirrored by name (include/uapi/linux/netfilter*.h). */

/** Netfilter protocol families (NFPROTO_*). */
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;
export const NFPROTO_NUMPROTO = 13;

/** IP protocol numbers. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;
export const MAX_NF_CT_PROTO = 256;

/** Hook points (enum nf_inet_hooks). */
export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export const NF_INET_NUMHOOKS = 5;
export const HOOK_NAMES = ['PRE_ROUTING', 'LOCAL_IN', 'FORWARD', 'LOCAL_OUT', 'POST_ROUTING'] as const;

/** Hook priorities (enum nf_ip_hook_priorities). */
export const NF_IP_PRI_FIRST = -2147483648;
export const NF_IP_PRI_RAW_BEFORE_DEFRAG = -450;
export const NF_IP_PRI_CONNTRACK_DEFRAG = -400;
export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_SELINUX_FIRST = -225;
export const NF_IP_PRI_CONNTRACK = -200;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_SECURITY = 50;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_SELINUX_LAST = 225;
export const NF_IP_PRI_CONNTRACK_HELPER = 300;
export const NF_IP_PRI_CONNTRACK_CONFIRM = 2147483647;
export const NF_IP_PRI_LAST = 2147483647;

/** Verdicts. l4 `packet()`/`error()` return NF_ACCEPT or a negated verdict (-NF_ACCEPT = invalid, accept). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
export const VERDICT_NAMES = ['DROP', 'ACCEPT', 'STOLEN', 'QUEUE', 'REPEAT'] as const;

/** enum ip_conntrack_info. */
export const IP_CT_ESTABLISHED = 0;
export const IP_CT_RELATED = 1;
export const IP_CT_NEW = 2;
export const IP_CT_IS_REPLY = 3;
export const IP_CT_ESTABLISHED_REPLY = 3;
export const IP_CT_RELATED_REPLY = 4;
export const IP_CT_NUMBER = 5;
export const IP_CT_UNTRACKED = 7;
/** Not a kernel ctinfo: the packet has no conn (`ct state invalid`). */
export const IP_CT_INVALID = -1;

/** Direction of a tuplehash / packet. */
export const IP_CT_DIR_ORIGINAL = 0;
export const IP_CT_DIR_REPLY = 1;

/** ctinfo -> direction. */
export function ctinfo2dir(ctinfo: number): number {
  return ctinfo >= IP_CT_IS_REPLY ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
}

/** Status bits (enum ip_conntrack_status), as masks. */
export const IPS_EXPECTED = 1 << 0;
export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_SEQ_ADJUST = 1 << 6;
export const IPS_SRC_NAT_DONE = 1 << 7;
export const IPS_DST_NAT_DONE = 1 << 8;
export const IPS_DYING = 1 << 9;
export const IPS_FIXED_TIMEOUT = 1 << 10;
export const IPS_TEMPLATE = 1 << 11;
export const IPS_UNTRACKED = 1 << 12;
export const IPS_NAT_CLASH = IPS_UNTRACKED;
export const IPS_HELPER = 1 << 13;
export const IPS_OFFLOAD = 1 << 14;
export const IPS_HW_OFFLOAD = 1 << 15;

/** Conntrack event bits (enum ip_conntrack_events), as masks. */
export const IPCT_NEW = 1 << 0;
export const IPCT_RELATED = 1 << 1;
export const IPCT_DESTROY = 1 << 2;
export const IPCT_REPLY = 1 << 3;
export const IPCT_ASSURED = 1 << 4;
export const IPCT_PROTOINFO = 1 << 5;
export const IPCT_HELPER = 1 << 6;
export const IPCT_MARK = 1 << 7;
export const IPCT_SEQADJ = 1 << 8;
export const IPCT_SECMARK = 1 << 9;
export const IPCT_LABEL = 1 << 10;
export const IPCT_SYNPROXY = 1 << 11;
/** Expectation event bits (enum ip_conntrack_expect_events), as masks. */
export const IPEXP_NEW = 1 << 0;
export const IPEXP_DESTROY = 1 << 1;

/** Extension ids, in the modern order (enum nf_ct_ext_id). */
export const NF_CT_EXT_HELPER = 0;
export const NF_CT_EXT_NAT = 1;
export const NF_CT_EXT_SEQADJ = 2;
export const NF_CT_EXT_ACCT = 3;
export const NF_CT_EXT_ECACHE = 4;
export const NF_CT_EXT_TSTAMP = 5;
export const NF_CT_EXT_TIMEOUT = 6;
export const NF_CT_EXT_LABELS = 7;
export const NF_CT_EXT_SYNPROXY = 8;
export const NF_CT_EXT_ACT_CT = 9;
export const NF_CT_EXT_NUM = 10;

/** Kernel tick rate on the reference machine: timeouts are kept in jiffies. */
export const HZ = 250;
/** Microseconds per jiffy. */
export const US_PER_JIFFY = 1_000_000 / HZ;
