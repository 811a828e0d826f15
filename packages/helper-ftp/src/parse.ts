/**
 * The FTP command/reply parsers of nf_conntrack_ftp.c (docs/ftp.md §4–§5), over the bytes
 * of one segment's payload: `d[start, end)`.
 */

/** enum nf_ct_ftp_type */
export const NF_CT_FTP_PORT = 0;
export const NF_CT_FTP_PASV = 1;
export const NF_CT_FTP_EPRT = 2;
export const NF_CT_FTP_EPSV = 3;

/** struct nf_conntrack_man, reduced: the announced address (u32) and port. */
export interface FtpCmd {
  /** Family of the conn (NFPROTO_IPV4 = 2, NFPROTO_IPV6 = 10). */
  l3num: number;
  /** IPv4 address as an unsigned u32 (preset to the sender's for EPSV). */
  addr: number;
  port: number;
}

/**
 * A parser: returns the number of bytes consumed (0 = failure) for the number text at
 * `d[off, end)`, filling `cmd`. `term` is the pattern's terminator (-1 = none).
 */
export type GetNum = (d: Uint8Array, off: number, end: number, cmd: FtpCmd, term: number) => number;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * try_number: `size` numbers separated by `sep`, ended by `term` (or by any byte when
 * term < 0... and by NUL, which is what "no terminator" compares to). u32 arithmetic,
 * no range check. Returns the bytes consumed before the terminator, or 0.
 */
export function tryNumber(
  d: Uint8Array,
  off: number,
  end: number,
  out: number[],
  size: number,
  sep: number,
  term: number,
): number {
  for (let k = 0; k < size; k++) out[k] = 0;
  let i = 0;
  for (let len = 0; off + len < end && i < size; len++) {
    const c = d[off + len]!;
    if (isDigit(c)) out[i] = (Math.imul(out[i]!, 10) + c - 0x30) >>> 0;
    else if (c === sep) i++;
    else {
      // Unexpected character: fine if it is the terminator (or none wanted) after the last number.
      if ((c === term || term <= 0) && i === size - 1) return len;
      return 0;
    }
  }
  return 0;
}

const nums: number[] = [0, 0, 0, 0, 0, 0];

/** try_rfc959: "a,b,c,d,p1,p2" (PORT; and the body of a 227 reply). */
export const tryRfc959: GetNum = (d, off, end, cmd, term) => {
  const length = tryNumber(d, off, end, nums, 6, 0x2c, term);
  if (length === 0) return 0;
  cmd.addr = ((nums[0]! << 24) | (nums[1]! << 16) | (nums[2]! << 8) | nums[3]!) >>> 0;
  cmd.port = ((nums[4]! << 8) | nums[5]!) & 0xffff;
  return length;
};

/** try_rfc1123: a 227 reply; scan to the first digit, then six numbers with no terminator. */
export const tryRfc1123: GetNum = (d, off, end, cmd) => {
  let i = off;
  while (i < end && !isDigit(d[i]!)) i++;
  if (i === end) return 0;
  return tryRfc959(d, i, end, cmd, 0);
};

/** get_port: digits from `i` up to `delim` (u16 wrap); 0 or a non-digit ⇒ fail. Returns index after the delimiter relative to `base`. */
function getPort(
  d: Uint8Array,
  base: number,
  start: number,
  end: number,
  delim: number,
  cmd: FtpCmd,
): number {
  let port = 0;
  for (let i = base + start; i < end; i++) {
    const c = d[i]!;
    if (c === delim) {
      if (port === 0) return 0;
      cmd.port = port;
      return i - base + 1;
    }
    if (isDigit(c)) port = (port * 10 + c - 0x30) & 0xffff;
    else return 0;
  }
  return 0;
}

/** The delimiter rule of EPRT/EPSV: printable (33..126) and not a digit. */
const badDelim = (c: number) => isDigit(c) || c < 33 || c > 126;

/** try_eprt: `|1|a.b.c.d|port|` (IPv4); an IPv6 address is not parsed by ctrack (IPv4 only). */
export const tryEprt: GetNum = (d, off, end, cmd) => {
  const dlen = end - off;
  if (dlen <= 3) return 0;
  const delim = d[off]!;
  if (badDelim(delim) || d[off + 2] !== delim) return 0;
  const proto = d[off + 1];
  if ((cmd.l3num === 2 && proto !== 0x31) || (cmd.l3num === 10 && proto !== 0x32)) return 0;
  let length: number;
  if (proto === 0x31) {
    length = tryNumber(d, off + 3, end, nums, 4, 0x2e, delim);
    if (length !== 0) cmd.addr = ((nums[0]! << 24) | (nums[1]! << 16) | (nums[2]! << 8) | nums[3]!) >>> 0;
  } else {
    length = 0; // get_ipv6_addr: IPv6 conns are not tracked by ctrack
  }
  if (length === 0) return 0;
  return getPort(d, off, 3 + length + 1, end, delim, cmd);
};

/** try_epsv_response: `(|||port|)` after the `(`; the address stays the sender's. */
export const tryEpsvResponse: GetNum = (d, off, end, cmd) => {
  if (end - off <= 3) return 0;
  const delim = d[off]!;
  if (badDelim(delim) || d[off + 1] !== delim || d[off + 2] !== delim) return 0;
  return getPort(d, off, 3, end, delim, cmd);
};

/** One entry of search[dir][]. */
export interface FtpSearch {
  readonly pattern: string;
  /** Pattern bytes, upper case. */
  readonly bytes: readonly number[];
  /** Skip character (-1 = none). */
  readonly skip: number;
  /** Terminator (-1 = none). */
  readonly term: number;
  readonly ftptype: number;
  readonly getnum: GetNum;
}

const pat = (
  pattern: string,
  skip: string | null,
  term: string | null,
  ftptype: number,
  getnum: GetNum,
): FtpSearch => ({
  pattern,
  bytes: [...pattern].map((ch) => ch.charCodeAt(0)),
  skip: skip === null ? -1 : skip.charCodeAt(0),
  term: term === null ? -1 : term.charCodeAt(0),
  ftptype,
  getnum,
});

/** search[IP_CT_DIR_ORIGINAL] and search[IP_CT_DIR_REPLY], in the kernel's order. */
export const SEARCH: readonly (readonly FtpSearch[])[] = [
  [pat('PORT', ' ', '\r', NF_CT_FTP_PORT, tryRfc959), pat('EPRT', ' ', '\r', NF_CT_FTP_EPRT, tryEprt)],
  [
    pat('227 ', null, null, NF_CT_FTP_PASV, tryRfc1123),
    pat('229 ', '(', ')', NF_CT_FTP_EPSV, tryEpsvResponse),
  ],
];

/** ASCII tolower (the kernel's also lowers Latin-1 capitals, which never equal an ASCII pattern byte). */
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

/** strncasecmp(data, pattern, n) === 0, stopping at a NUL as C does. */
function caseEq(d: Uint8Array, off: number, p: readonly number[], n: number): boolean {
  for (let k = 0; k < n; k++) {
    const a = lower(d[off + k]!);
    const b = lower(p[k]!);
    if (a !== b) return false;
    if (a === 0) return true;
  }
  return true;
}

/** find_pattern result: 1 match, 0 no match, -1 partial. */
export const FTP_MATCH = 1;
export const FTP_NO_MATCH = 0;
export const FTP_PARTIAL = -1;

/**
 * find_pattern (docs/ftp.md §4): the pattern at offset 0 of `d[off, end)`, then the skip
 * character, then the numbers. Fills `cmd` on a match.
 */
export function findPattern(d: Uint8Array, off: number, end: number, s: FtpSearch, cmd: FtpCmd): number {
  const dlen = end - off;
  const plen = s.bytes.length;
  if (dlen <= plen) return caseEq(d, off, s.bytes, dlen) ? FTP_PARTIAL : FTP_NO_MATCH;
  if (!caseEq(d, off, s.bytes, plen)) return FTP_NO_MATCH;
  let i = plen;
  if (s.skip >= 0) {
    for (; d[off + i] !== s.skip; i++) if (i === dlen - 1) return FTP_PARTIAL;
    i++;
  }
  const numlen = s.getnum(d, off + i, end, cmd, s.term);
  return numlen === 0 ? FTP_PARTIAL : FTP_MATCH;
}
