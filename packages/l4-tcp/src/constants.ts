/**
 * TCP conntrack constants (include/uapi/linux/netfilter/nf_conntrack_tcp.h,
 * nf_conntrack_proto_tcp.c), docs/tcp.md §1.
 */

/** enum tcp_conntrack: per-conn state. */
export const TCP_CONNTRACK_NONE = 0;
export const TCP_CONNTRACK_SYN_SENT = 1;
export const TCP_CONNTRACK_SYN_RECV = 2;
export const TCP_CONNTRACK_ESTABLISHED = 3;
export const TCP_CONNTRACK_FIN_WAIT = 4;
export const TCP_CONNTRACK_CLOSE_WAIT = 5;
export const TCP_CONNTRACK_LAST_ACK = 6;
export const TCP_CONNTRACK_TIME_WAIT = 7;
export const TCP_CONNTRACK_CLOSE = 8;
/** The old LISTEN slot, used for the reply SYN of a simultaneous open. */
export const TCP_CONNTRACK_SYN_SENT2 = 9;
/** Number of real states; also the "invalid transition" marker sIV. */
export const TCP_CONNTRACK_MAX = 10;
/** "Ignore this packet" marker sIG. */
export const TCP_CONNTRACK_IGNORE = 11;
/** Timeout slots only: too many retransmissions / unacknowledged data. */
export const TCP_CONNTRACK_RETRANS = 12;
export const TCP_CONNTRACK_UNACK = 13;
export const TCP_CONNTRACK_TIMEOUT_MAX = 14;

/** tcp_conntrack_names[]: what conntrack prints for each state. */
export const TCP_CONNTRACK_NAMES: readonly string[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

/** Per-direction flags (ip_ct_tcp_state.flags). */
export const IP_CT_TCP_FLAG_WINDOW_SCALE = 0x01;
export const IP_CT_TCP_FLAG_SACK_PERM = 0x02;
export const IP_CT_TCP_FLAG_CLOSE_INIT = 0x04;
export const IP_CT_TCP_FLAG_BE_LIBERAL = 0x08;
export const IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED = 0x10;
export const IP_CT_TCP_FLAG_MAXACK_SET = 0x20;
/** Bits of `last_flags` only. */
export const IP_CT_EXP_CHALLENGE_ACK = 0x40;
export const IP_CT_TCP_SIMULTANEOUS_OPEN = 0x80;

/** Packet type index into the transition table (get_conntrack_index), docs/tcp.md §3. */
export const TCP_SYN_SET = 0;
export const TCP_SYNACK_SET = 1;
export const TCP_FIN_SET = 2;
export const TCP_ACK_SET = 3;
export const TCP_RST_SET = 4;
export const TCP_NONE_SET = 5;

/** TCP header flag bits (byte 13). */
export const TCPHDR_FIN = 0x01;
export const TCPHDR_SYN = 0x02;
export const TCPHDR_RST = 0x04;
export const TCPHDR_PSH = 0x08;
export const TCPHDR_ACK = 0x10;
export const TCPHDR_URG = 0x20;
export const TCPHDR_ECE = 0x40;
export const TCPHDR_CWR = 0x80;

/** Largest window scale shift (RFC 7323). */
export const TCP_MAX_WSCALE = 14;
/** MAXACKWINCONST: the minimum ACK window below td_end still accepted. */
export const MAXACKWINCONST = 66000;
