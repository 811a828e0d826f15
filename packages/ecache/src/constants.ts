/**
 * Netlink multicast groups a listener subscribes to, by libnetfilter_conntrack's
 * NF_NETLINK_CONNTRACK_* bit values (a listener's `groups` is a mask of these).
 */
export const NF_NETLINK_CONNTRACK_NEW = 0x01;
export const NF_NETLINK_CONNTRACK_UPDATE = 0x02;
export const NF_NETLINK_CONNTRACK_DESTROY = 0x04;
export const NF_NETLINK_CONNTRACK_EXP_NEW = 0x08;
export const NF_NETLINK_CONNTRACK_EXP_UPDATE = 0x10;
export const NF_NETLINK_CONNTRACK_EXP_DESTROY = 0x20;
/** What `conntrack -E` subscribes to. */
export const NFCT_ALL_CT_GROUPS =
  NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE | NF_NETLINK_CONNTRACK_DESTROY;
/** What `conntrack -E expect` subscribes to. */
export const NFCT_ALL_EXP_GROUPS =
  NF_NETLINK_CONNTRACK_EXP_NEW | NF_NETLINK_CONNTRACK_EXP_UPDATE | NF_NETLINK_CONNTRACK_EXP_DESTROY;
/** Every group bit that exists (a mask outside this is EINVAL). */
export const NF_NETLINK_ALL_GROUPS = NFCT_ALL_CT_GROUPS | NFCT_ALL_EXP_GROUPS;

/** Expectation flags (struct nf_conntrack_expect.flags). */
export const NF_CT_EXPECT_PERMANENT = 0x1;
export const NF_CT_EXPECT_INACTIVE = 0x2;
export const NF_CT_EXPECT_USERSPACE = 0x4;

/** Returned by the ctnetlink analogue when a reliable listener could not take a message. */
export const ENOBUFS = 105;

/** ctmask / expmask "all events" (u16 in the kernel). */
export const ECACHE_MASK_ALL = 0xffff;

/** Message types as libnetfilter_conntrack names them (NFCT_T_*), printed as the tag. */
export type ConnEventType = 'NEW' | 'UPDATE' | 'DESTROY';
export type ExpectEventType = 'NEW' | 'DESTROY';
