import {
  type Conn,
  ctinfo2dir,
  type ExpectPolicy,
  type Helper,
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IPPROTO_TCP,
  type Netns,
  NF_ACCEPT,
  NF_DROP,
  NFPROTO_IPV4,
  nfctHelp,
  type Skb,
} from '@ctrack/core';
import {
  NF_CT_EXPECT_CLASS_DEFAULT,
  nfCtExpectAlloc,
  nfCtExpectInit,
  nfCtExpectPut,
  nfCtExpectRelated,
} from '@ctrack/expect';
import { FTP_NO_MATCH, FTP_PARTIAL, type FtpCmd, findPattern, SEARCH } from './parse.js';

/** NUM_SEQ_TO_REMEMBER */
export const NUM_SEQ_TO_REMEMBER = 2;
/** NF_CT_FTP_SEQ_PICKUP: set on both directions for conns restored via ctnetlink. */
export const NF_CT_FTP_SEQ_PICKUP = 1 << 0;
/** FTP_PORT */
export const FTP_PORT = 21;
/** MAX_PORTS of the `ports=` module parameter. */
export const MAX_PORTS = 8;

/** struct nf_ct_ftp_master: per direction up to two "sequence number right after a newline" values. */
export class FtpMaster {
  /** seq_aft_nl[dir][0..1], as int32. */
  readonly seqAftNl: [number[], number[]] = [
    [0, 0],
    [0, 0],
  ];
  readonly seqAftNlNum: [number, number] = [0, 0];
  readonly flags: [number, number] = [0, 0];
}

/** ftp_exp_policy: one class, max_expected 1, timeout 5 min. */
export const FTP_EXPECT_POLICY: readonly ExpectPolicy[] = Object.freeze([
  Object.freeze({ maxExpected: 1, timeout: 5 * 60, name: 'ftp' }),
]);

/** Module parameters shared by every FTP helper: `loose` (bool, writable at runtime). */
export const ftpParams = { loose: false };

/** The per-conn data, made on the first packet the helper sees (the kernel zeroes it at attach). */
export function ftpInfo(ct: Conn): FtpMaster | null {
  const help = nfctHelp(ct);
  if (help === undefined) return null;
  if (!(help.data instanceof FtpMaster)) help.data = new FtpMaster();
  return help.data as FtpMaster;
}

/** nf_ct_ftp_from_nlattr: a conn taken over via ctnetlink parses its next segment in both directions. */
export function ftpPickup(ct: Conn): void {
  const info = ftpInfo(ct);
  if (info === null) return;
  info.flags[0] |= NF_CT_FTP_SEQ_PICKUP;
  info.flags[1] |= NF_CT_FTP_SEQ_PICKUP;
}

const before = (a: number, b: number) => ((a - b) | 0) < 0;
const after = (a: number, b: number) => ((b - a) | 0) < 0;

function findNlSeq(seq: number, info: FtpMaster, dir: number): boolean {
  const s = info.seqAftNl[dir]!;
  for (let i = 0; i < info.seqAftNlNum[dir]!; i++) if (s[i] === seq) return true;
  return false;
}

/** update_nl_seq: remember `nlSeq`; with two stored, replace the older if the new one is after it. */
function updateNlSeq(nlSeq: number, info: FtpMaster, dir: number): void {
  const s = info.seqAftNl[dir]!;
  const num = info.seqAftNlNum[dir]!;
  for (let i = 0; i < num; i++) if (s[i] === nlSeq) return;
  if (num < NUM_SEQ_TO_REMEMBER) {
    s[num] = nlSeq;
    info.seqAftNlNum[dir] = num + 1;
  } else {
    const oldest = before(s[0]!, s[1]!) ? 0 : 1;
    if (after(nlSeq, s[oldest]!)) s[oldest] = nlSeq;
  }
}

const cmd: FtpCmd = { l3num: 0, addr: 0, port: 0 };

/** Not a verdict: a partial match (drop, and no newline bookkeeping). */
const DROP_PARTIAL = -1;

/** Everything between the line-start check and the newline bookkeeping; returns a verdict or DROP_PARTIAL. */
function parseSegment(
  d: Uint8Array,
  dataoff: number,
  end: number,
  ct: Conn,
  dir: number,
  th: number,
  info: FtpMaster,
): number {
  // Only a segment that starts right after a newline seen in this direction.
  if (!findNlSeq(th, info, dir)) {
    if ((info.flags[dir]! & NF_CT_FTP_SEQ_PICKUP) === 0) return NF_ACCEPT;
    info.flags[dir]! ^= NF_CT_FTP_SEQ_PICKUP;
  }
  // The address defaults to the sender's (EPSV names none).
  const tuple = dir === 0 ? ct.orig : ct.reply;
  const other = dir === 0 ? ct.reply : ct.orig;
  cmd.l3num = ct.l3num;
  cmd.addr = tuple.src >>> 0;
  cmd.port = 0;
  let found = FTP_NO_MATCH;
  const search = SEARCH[dir]!;
  for (let which = 0; which < search.length; which++) {
    found = findPattern(d, dataoff, end, search[which]!, cmd);
    if (found !== FTP_NO_MATCH) break;
  }
  // partial matching of `<pattern>' (nf_ct_helper_log: needs an nf_log backend ctrack has not).
  if (found === FTP_PARTIAL) return DROP_PARTIAL;
  if (found === FTP_NO_MATCH) return NF_ACCEPT;

  const exp = nfCtExpectAlloc(ct);
  // The reverse direction's tuple: the sender as the peer addresses it.
  let daddr = other.dst;
  if (cmd.l3num === ct.l3num && cmd.addr !== tuple.src >>> 0) {
    // NOT RECORDING: the announced address is not the sender's (unless loose).
    if (!ftpParams.loose) {
      nfCtExpectPut(exp);
      return NF_ACCEPT;
    }
    daddr = cmd.addr | 0;
  }
  nfCtExpectInit(exp, NF_CT_EXPECT_CLASS_DEFAULT, cmd.l3num, other.src, daddr, IPPROTO_TCP, null, cmd.port);
  // No NAT in ctrack: register it ourselves; can't expect this ⇒ drop ("cannot add expectation").
  const ret = nfCtExpectRelated(exp, 0) !== 0 ? NF_DROP : NF_ACCEPT;
  nfCtExpectPut(exp);
  return ret;
}

/**
 * help() of nf_conntrack_ftp (docs/ftp.md §2–§6): parse the first line of a segment that
 * starts right after a newline, create the expectation for PORT/EPRT (client) and
 * 227/229 (server); DROP on a partial match or when the expectation cannot be added.
 */
export function ftpHelp(skb: Skb, protoff: number, ct: Conn, ctinfo: number, _net: Netns): number {
  // Until there has been traffic both ways, don't look in packets.
  if (ctinfo !== IP_CT_ESTABLISHED && ctinfo !== IP_CT_ESTABLISHED_REPLY) return NF_ACCEPT;
  const d = skb.data;
  const end = skb.nhoff + skb.len;
  if (protoff + 20 > end) return NF_ACCEPT;
  const dataoff = protoff + ((d[protoff + 12]! >> 4) << 2);
  if (dataoff >= end) return NF_ACCEPT;
  const datalen = end - dataoff;
  const info = ftpInfo(ct);
  if (info === null) return NF_ACCEPT;
  const dir = ctinfo2dir(ctinfo);
  const th = (d[protoff + 4]! << 24) | (d[protoff + 5]! << 16) | (d[protoff + 6]! << 8) | d[protoff + 7]!;
  const endsInNl = d[end - 1] === 0x0a;
  const seq = (th + datalen) | 0;
  const ret = parseSegment(d, dataoff, end, ct, dir, th, info);
  // A partial match drops without remembering the newline (the sender retransmits).
  if (ret === DROP_PARTIAL) return NF_DROP;
  if (endsInNl) updateNlSeq(seq, info, dir);
  return ret;
}

/**
 * The helper for one port (nf_ct_helper_init): named "ftp" for port 21, "ftp-<port>"
 * otherwise; tuple = (family, TCP, source port `port` of the reply).
 */
export function ftpHelper(port = FTP_PORT, l3num = NFPROTO_IPV4): Helper {
  return {
    name: port === FTP_PORT ? 'ftp' : `ftp-${port}`,
    l3num,
    protonum: IPPROTO_TCP,
    port,
    expectPolicy: FTP_EXPECT_POLICY,
    expectClassMax: 0,
    help: ftpHelp,
  };
}
