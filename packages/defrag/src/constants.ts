/** include/net/ip.h `enum ip_defrag_users` (docs/defrag.md §2). */
export const IP_DEFRAG_LOCAL_DELIVER = 0;
export const IP_DEFRAG_CALL_RA_CHAIN = 1;
/** CONNTRACK_IN + zone (2 … 65537). */
export const IP_DEFRAG_CONNTRACK_IN = 2;
/** CONNTRACK_OUT + zone (65538 … 131073). */
export const IP_DEFRAG_CONNTRACK_OUT = 65538;
/** CONNTRACK_BRIDGE_IN + zone (131074 … 196609). */
export const IP_DEFRAG_CONNTRACK_BRIDGE_IN = 131074;
export const IP_DEFRAG_VS_IN = 196610;
export const IP_DEFRAG_VS_OUT = 196611;
export const IP_DEFRAG_VS_FWD = 196612;
export const IP_DEFRAG_AF_PACKET = 196613;
export const IP_DEFRAG_MACVLAN = 196614;

/** frag_expire_skip_icmp(): users whose expiry sends ICMP only for locally addressed datagrams. */
export function fragExpireSkipIcmp(user: number): boolean {
  return (
    user === IP_DEFRAG_AF_PACKET ||
    (user >= IP_DEFRAG_CONNTRACK_IN && user < IP_DEFRAG_CONNTRACK_OUT) ||
    (user >= IP_DEFRAG_CONNTRACK_BRIDGE_IN && user < IP_DEFRAG_VS_IN)
  );
}

/** inet_frag_queue flags. */
export const INET_FRAG_FIRST_IN = 1;
export const INET_FRAG_LAST_IN = 2;
export const INET_FRAG_COMPLETE = 4;

/** Sysctl names (per netns, `net.ipv4.`; docs/defrag.md §3). */
export const IPFRAG_TIME = 'net.ipv4.ipfrag_time';
export const IPFRAG_HIGH_THRESH = 'net.ipv4.ipfrag_high_thresh';
export const IPFRAG_LOW_THRESH = 'net.ipv4.ipfrag_low_thresh';
export const IPFRAG_MAX_DIST = 'net.ipv4.ipfrag_max_dist';
export const IPFRAG_SECRET_INTERVAL = 'net.ipv4.ipfrag_secret_interval';

/**
 * Memory cost model (docs/defrag.md §4; deterministic, close to the kernel's truesize):
 * a queue costs IPQ_SIZE bytes; a queued fragment of IP length L costs
 * SKB_OVERHEAD + the next power of two ≥ L + 78 (NET_SKB_PAD 64 + Ethernet 14), so a
 * 1500-byte fragment costs 2816 B and a 64 KiB datagram in 45 of them ≈ 127 KB.
 */
export const IPQ_SIZE = 200;
export const SKB_OVERHEAD = 768;

export function fragTruesize(ipLen: number): number {
  let n = 64;
  const need = ipLen + 78;
  while (n < need) n *= 2;
  return SKB_OVERHEAD + n;
}
