/** Protocol names as libnetfilter_conntrack prints them (__proto2str / __l3proto2str). */
const NFCT_L4_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};

/** l4proto_name() of /proc/net/nf_conntrack in 6.18 (no dccp). */
const PROC_L4_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};

export function nfctL4Name(protonum: number): string {
  return NFCT_L4_NAMES[protonum] ?? 'unknown';
}

export function procL4Name(protonum: number): string {
  return PROC_L4_NAMES[protonum] ?? 'unknown';
}

/** ipv4 / ipv6 / unknown, by NFPROTO family. */
export function l3Name(l3num: number): string {
  return l3num === 2 ? 'ipv4' : l3num === 10 ? 'ipv6' : 'unknown';
}

/** printf("%-Ns", s): left-justified in `width`, never truncated. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** printf("%Ns", s): right-justified in `width`. */
export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

const STATUS_NAMES = [
  'EXPECTED',
  'SEEN_REPLY',
  'ASSURED',
  'CONFIRMED',
  'SRC_NAT',
  'DST_NAT',
  'SEQ_ADJUST',
  'SRC_NAT_DONE',
  'DST_NAT_DONE',
  'DYING',
  'FIXED_TIMEOUT',
  'TEMPLATE',
  'UNTRACKED',
  'HELPER',
  'OFFLOAD',
  'HW_OFFLOAD',
] as const;

/** IPS_* bit names (as `conntrack -o xml`/status filters name them), low bit first. */
export function statusNames(status: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < STATUS_NAMES.length; b++) if ((status & (1 << b)) !== 0) out.push(STATUS_NAMES[b]!);
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * strftime("%c", localtime(sec)) in the C locale: "Sat Nov 21 07:28:46 2026" (%e: the
 * day is space-padded). Local time follows the process TZ, as localtime() does.
 */
export function ctimeC(sec: number): string {
  const d = new Date(sec * 1000);
  const day = d.getDate();
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getHours())}:${two(
    d.getMinutes(),
  )}:${two(d.getSeconds())} ${d.getFullYear()}`;
}
