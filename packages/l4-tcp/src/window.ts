import type { Skb } from '@ctrack/core';
import {
  IP_CT_TCP_FLAG_BE_LIBERAL,
  IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED,
  IP_CT_TCP_FLAG_MAXACK_SET,
  IP_CT_TCP_FLAG_SACK_PERM,
  IP_CT_TCP_FLAG_WINDOW_SCALE,
  MAXACKWINCONST,
  TCP_ACK_SET,
  TCP_CONNTRACK_SYN_RECV,
  TCP_CONNTRACK_SYN_SENT,
  TCPHDR_ACK,
  TCPHDR_RST,
  TCPHDR_SYN,
} from './constants.js';
import { tcpOptions, tcpSack } from './options.js';
import { after, before } from './seq.js';
import type { TcpNet } from './sysctls.js';
import type { TcpConn } from './tcp-conn.js';
import type { TcpPkt } from './tcp-pkt.js';

/** enum nf_ct_tcp_action. */
export const NFCT_TCP_IGNORE = 0;
export const NFCT_TCP_INVALID = 1;
export const NFCT_TCP_ACCEPT = 2;

const IP_CT_DIR_REPLY = 1;

/**
 * tcp_init_sender (docs/tcp.md §7.2): a SYN or SYN/ACK (re)starts this side's window data.
 * Scaling stays on only if both sides announced it. `s`/`r`: sender/receiver direction.
 */
function tcpInitSender(tcp: TcpConn, s: number, r: number, skb: Skb, p: TcpPkt): void {
  tcp.setTdEnd(s, p.end);
  tcp.setTdMaxend(s, p.end);
  tcp.setTdMaxwin(s, p.win === 0 ? 1 : p.win);
  tcpOptions(skb, p.dataoff, p.doff, tcp, s);
  if (
    s === IP_CT_DIR_REPLY &&
    !(
      (tcp.seenFlags(s) & IP_CT_TCP_FLAG_WINDOW_SCALE) !== 0 &&
      (tcp.seenFlags(r) & IP_CT_TCP_FLAG_WINDOW_SCALE) !== 0
    )
  ) {
    tcp.setTdScale(s, 0);
    tcp.setTdScale(r, 0);
  }
}

/**
 * nf_tcp_log_invalid: a liberal sender (flag or sysctl) turns every IGNORE/INVALID
 * verdict into ACCEPT; otherwise an INVALID verdict records the kernel's log line.
 * `value` is a u32 printed unsigned (it may be given as its int32).
 */
function verdict(
  skb: Skb,
  senderFlags: number,
  tn: TcpNet,
  ret: number,
  reason: string | number,
  value: number,
): number {
  if ((senderFlags & IP_CT_TCP_FLAG_BE_LIBERAL) !== 0 || tn.beLiberal.value !== 0) return NFCT_TCP_ACCEPT;
  if (ret === NFCT_TCP_INVALID) skb.invalidReason = formatReason(reason, value);
  return ret;
}

const REASON_SEQ_OVER = 1;
const REASON_ACK_OVER = 2;

function formatReason(reason: string | number, value: number): string {
  if (reason === REASON_SEQ_OVER)
    return `SEQ is over upper bound ${value >>> 0} (over the window of the receiver)`;
  if (reason === REASON_ACK_OVER) return `ACK is over upper bound ${value >>> 0} (ACKed data not seen yet)`;
  return String(reason);
}

/**
 * tcp_in_window (docs/tcp.md §7): sequence/ack/window checks for one packet of `tcp` in
 * direction `dir`, and the window updates when it passes. Returns an NFCT_TCP_* action.
 * `state` is the conn's state before this packet commits.
 *
 * Every sequence value is an int32 (the u32 bits `| 0`), so nothing here is ever a heap
 * number whatever V8 inlines: sums wrap with `| 0`, order is the signed 32-bit
 * difference (before/after), and the u32 quantities compared by size (windows, the
 * overshoot) are turned unsigned with `>>> 0` in locals only.
 */
export function tcpInWindow(
  tcp: TcpConn,
  dir: number,
  index: number,
  skb: Skb,
  p: TcpPkt,
  tn: TcpNet,
): number {
  const s = dir; // sender
  const r = dir ^ 1; // receiver
  const flags = p.flags;
  let seq = p.seq;
  let ack = p.ackSeq;
  let sack = ack;
  let end = p.end;
  let win = p.win;

  if (((dir === 0 ? tcp.flags1 : tcp.flags0) & IP_CT_TCP_FLAG_SACK_PERM) !== 0)
    sack = tcpSack(skb, p.dataoff, p.doff, sack);
  // (NAT sequence offsets would be subtracted from ack and sack here; none without NAT.)

  if (tcp.tdMaxwin(s) === 0) {
    if ((flags & TCPHDR_SYN) !== 0) {
      // SYN/ACK answering the SYN, or the reply SYN of a simultaneous open.
      tcpInitSender(tcp, s, r, skb, p);
      if ((flags & TCPHDR_ACK) === 0) return NFCT_TCP_ACCEPT;
    } else {
      // First packet from this side of a picked-up conn: take what the packet says.
      tcp.setTdEnd(s, end);
      const swin = win << tcp.tdScale(s); // u16 << (≤ 14): below 2^30
      const maxwin = swin === 0 ? 1 : swin;
      tcp.setTdMaxwin(s, maxwin);
      tcp.setTdMaxend(s, end + maxwin);
      if (tcp.tdMaxwin(r) === 0) {
        // Nothing seen from the other side yet: let the next checks pass.
        tcp.setTdEnd(r, sack);
        tcp.setTdMaxend(r, sack);
      } else if (sack === ((tcp.tdEnd(r) + 1) | 0)) {
        // Likely a reply to a keep-alive.
        tcp.setTdEnd(r, tcp.tdEnd(r) + 1);
      }
    }
  } else if (
    (flags & TCPHDR_SYN) !== 0 &&
    after(end, tcp.tdEnd(s)) &&
    (tcp.state === TCP_CONNTRACK_SYN_SENT || tcp.state === TCP_CONNTRACK_SYN_RECV)
  ) {
    // RFC 793: a reinitialised TCP may use a new ISN at once; re-init this side.
    tcpInitSender(tcp, s, r, skb, p);
    if (dir === IP_CT_DIR_REPLY && (flags & TCPHDR_ACK) === 0) return NFCT_TCP_ACCEPT;
  }

  // The common path works on locals: both sides are loaded once here and stored once
  // at the end (one branch on the direction each time, no per-field accessor calls).
  let sEnd: number;
  let sMaxend: number;
  let sMaxwin: number;
  let sMaxack: number;
  let sScale: number;
  let sFlags: number;
  let rEnd: number;
  let rMaxend: number;
  let rMaxwin: number;
  let rFlags: number;
  if (dir === 0) {
    sEnd = tcp.end0;
    sMaxend = tcp.maxend0;
    sMaxwin = tcp.maxwin0;
    sMaxack = tcp.maxack0;
    sScale = tcp.scale0;
    sFlags = tcp.flags0;
    rEnd = tcp.end1;
    rMaxend = tcp.maxend1;
    rMaxwin = tcp.maxwin1;
    rFlags = tcp.flags1;
  } else {
    sEnd = tcp.end1;
    sMaxend = tcp.maxend1;
    sMaxwin = tcp.maxwin1;
    sMaxack = tcp.maxack1;
    sScale = tcp.scale1;
    sFlags = tcp.flags1;
    rEnd = tcp.end0;
    rMaxend = tcp.maxend0;
    rMaxwin = tcp.maxwin0;
    rFlags = tcp.flags0;
  }

  if ((flags & TCPHDR_ACK) === 0) {
    // No ACK: pretend it acknowledged everything seen.
    ack = rEnd;
    sack = ack;
  } else if ((flags & (TCPHDR_ACK | TCPHDR_RST)) === (TCPHDR_ACK | TCPHDR_RST) && ack === 0) {
    // Broken stacks send RST+ACK with a zero ack.
    ack = rEnd;
    sack = ack;
  }

  if ((flags & TCPHDR_RST) !== 0 && seq === 0 && tcp.state === TCP_CONNTRACK_SYN_SENT) {
    // RST answering a SYN.
    seq = sEnd;
    end = seq;
  }

  const rMaxwinU = rMaxwin >>> 0;
  const maxAckWindow = Math.max(sMaxwin >>> 0, MAXACKWINCONST);

  if (!before(seq, (sMaxend + 1) | 0)) {
    const overshot = (end - sMaxend + 1) >>> 0;
    const ackOk = after(sack, (rEnd - maxAckWindow - 1) | 0);
    const inRecvWin = rMaxwinU !== 0 && after(end, (sEnd - rMaxwinU - 1) | 0);
    if (inRecvWin && ackOk && overshot <= rMaxwinU && before(sack, (rEnd + 1) | 0)) {
      // A sender overshooting the receive window a little: remember the data so the
      // peer's ACK of it is not judged "over upper bound" later.
      tcp.setTdEnd(dir, end);
      tcp.setSeenFlags(dir, sFlags | IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED);
      return verdict(skb, sFlags | IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED, tn, NFCT_TCP_IGNORE, '', 0);
    }
    return verdict(skb, sFlags, tn, NFCT_TCP_INVALID, REASON_SEQ_OVER, (sMaxend + 1) | 0);
  }

  if (!before(sack, (rEnd + 1) | 0)) {
    return verdict(skb, sFlags, tn, NFCT_TCP_INVALID, REASON_ACK_OVER, (rEnd + 1) | 0);
  }

  // Is the ending sequence in the receive window (if known)?
  if (!(rMaxwinU === 0 || after(end, (sEnd - rMaxwinU - 1) | 0))) {
    return verdict(skb, sFlags, tn, NFCT_TCP_IGNORE, '', 0); // SEQ is under lower bound
  }
  if (!after(sack, (rEnd - maxAckWindow - 1) | 0)) {
    return verdict(skb, sFlags, tn, NFCT_TCP_IGNORE, '', 0); // ignored ACK under lower bound
  }

  // Window scaling (RFC 7323) never applies to SYNs.
  if ((flags & TCPHDR_SYN) === 0) win = win << sScale; // u16 << (≤ 14): below 2^30

  // Update sender data.
  const swin = (win + (sack - ack)) >>> 0;
  if (sMaxwin >>> 0 < swin) sMaxwin = swin | 0;
  if (after(end, sEnd)) {
    sEnd = end;
    sFlags |= IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
  }
  if ((flags & TCPHDR_ACK) !== 0) {
    if ((sFlags & IP_CT_TCP_FLAG_MAXACK_SET) === 0) {
      sMaxack = ack;
      sFlags |= IP_CT_TCP_FLAG_MAXACK_SET;
    } else if (after(ack, sMaxack)) {
      sMaxack = ack;
    }
  }

  // Update receiver data.
  if (rMaxwin !== 0 && after(end, sMaxend)) rMaxwin = (rMaxwin + (end - sMaxend)) | 0;
  const right = (sack + win) | 0;
  if (after(right, (rMaxend - 1) | 0)) rMaxend = win === 0 ? (right + 1) | 0 : right;
  if (ack === rEnd) rFlags &= ~IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;

  if (dir === 0) {
    tcp.end0 = sEnd;
    tcp.maxwin0 = sMaxwin;
    tcp.maxack0 = sMaxack;
    tcp.flags0 = sFlags;
    tcp.maxend1 = rMaxend;
    tcp.maxwin1 = rMaxwin;
    tcp.flags1 = rFlags;
  } else {
    tcp.end1 = sEnd;
    tcp.maxwin1 = sMaxwin;
    tcp.maxack1 = sMaxack;
    tcp.flags1 = sFlags;
    tcp.maxend0 = rMaxend;
    tcp.maxwin0 = rMaxwin;
    tcp.flags0 = rFlags;
  }

  // Retransmission detection, plain ACK/data segments only.
  if (index === TCP_ACK_SET) {
    if (
      tcp.lastDir === dir &&
      tcp.lastSeq === seq &&
      tcp.lastAck === ack &&
      tcp.lastEnd === end &&
      tcp.lastWin === p.win
    ) {
      tcp.retrans = (tcp.retrans + 1) & 0xff;
    } else {
      tcp.lastDir = dir;
      tcp.lastSeq = seq;
      tcp.lastAck = ack;
      tcp.lastEnd = end;
      tcp.lastWin = p.win;
      tcp.retrans = 0;
    }
  }
  return NFCT_TCP_ACCEPT;
}
