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
import type { TcpConn, TcpSeen } from './tcp-conn.js';
import type { TcpPkt } from './tcp-pkt.js';

/** enum nf_ct_tcp_action. */
export const NFCT_TCP_IGNORE = 0;
export const NFCT_TCP_INVALID = 1;
export const NFCT_TCP_ACCEPT = 2;

const IP_CT_DIR_REPLY = 1;

/**
 * tcp_init_sender (tcp.md §7.2): a SYN or SYN/ACK (re)starts this side's window data.
 * Scaling stays on only if both sides announced it.
 */
function tcpInitSender(sender: TcpSeen, receiver: TcpSeen, skb: Skb, p: TcpPkt, dir: number): void {
  sender.tdEnd = p.end;
  sender.tdMaxend = p.end;
  sender.tdMaxwin = p.win === 0 ? 1 : p.win;
  tcpOptions(skb, p.dataoff, p.doff, sender);
  if (
    dir === IP_CT_DIR_REPLY &&
    !(
      (sender.flags & IP_CT_TCP_FLAG_WINDOW_SCALE) !== 0 &&
      (receiver.flags & IP_CT_TCP_FLAG_WINDOW_SCALE) !== 0
    )
  ) {
    sender.tdScale = 0;
    receiver.tdScale = 0;
  }
}

/**
 * nf_tcp_log_invalid: a liberal sender (flag or sysctl) turns every IGNORE/INVALID
 * verdict into ACCEPT; otherwise an INVALID verdict records the kernel's log line.
 */
function verdict(
  skb: Skb,
  sender: TcpSeen,
  tn: TcpNet,
  ret: number,
  reason: string | number,
  value: number,
): number {
  if ((sender.flags & IP_CT_TCP_FLAG_BE_LIBERAL) !== 0 || tn.beLiberal.value !== 0) return NFCT_TCP_ACCEPT;
  if (ret === NFCT_TCP_INVALID) skb.invalidReason = formatReason(reason, value);
  return ret;
}

const REASON_SEQ_OVER = 1;
const REASON_ACK_OVER = 2;

function formatReason(reason: string | number, value: number): string {
  if (reason === REASON_SEQ_OVER) return `SEQ is over upper bound ${value} (over the window of the receiver)`;
  if (reason === REASON_ACK_OVER) return `ACK is over upper bound ${value} (ACKed data not seen yet)`;
  return String(reason);
}

/**
 * tcp_in_window (tcp.md §7): sequence/ack/window checks for one packet of `tcp` in
 * direction `dir`, and the window updates when it passes. Returns an NFCT_TCP_* action.
 * `state` is the conn's state before this packet commits.
 */
export function tcpInWindow(
  tcp: TcpConn,
  dir: number,
  index: number,
  skb: Skb,
  p: TcpPkt,
  tn: TcpNet,
): number {
  const sender = tcp.seen[dir]!;
  const receiver = tcp.seen[1 - dir]!;
  const flags = p.flags;
  let seq = p.seq;
  let ack = p.ackSeq;
  let sack = ack;
  let end = p.end;
  let win = p.win;

  if ((receiver.flags & IP_CT_TCP_FLAG_SACK_PERM) !== 0) sack = tcpSack(skb, p.dataoff, p.doff, sack);
  // (NAT sequence offsets would be subtracted from ack and sack here; none without NAT.)

  if (sender.tdMaxwin === 0) {
    if ((flags & TCPHDR_SYN) !== 0) {
      // SYN/ACK answering the SYN, or the reply SYN of a simultaneous open.
      tcpInitSender(sender, receiver, skb, p, dir);
      if ((flags & TCPHDR_ACK) === 0) return NFCT_TCP_ACCEPT;
    } else {
      // First packet from this side of a picked-up conn: take what the packet says.
      sender.tdEnd = end;
      const swin = (win << sender.tdScale) >>> 0;
      sender.tdMaxwin = swin === 0 ? 1 : swin;
      sender.tdMaxend = (end + sender.tdMaxwin) >>> 0;
      if (receiver.tdMaxwin === 0) {
        // Nothing seen from the other side yet: let the next checks pass.
        receiver.tdEnd = sack;
        receiver.tdMaxend = sack;
      } else if (sack === (receiver.tdEnd + 1) >>> 0) {
        // Likely a reply to a keep-alive.
        receiver.tdEnd = (receiver.tdEnd + 1) >>> 0;
      }
    }
  } else if (
    (flags & TCPHDR_SYN) !== 0 &&
    after(end, sender.tdEnd) &&
    (tcp.state === TCP_CONNTRACK_SYN_SENT || tcp.state === TCP_CONNTRACK_SYN_RECV)
  ) {
    // RFC 793: a reinitialised TCP may use a new ISN at once; re-init this side.
    tcpInitSender(sender, receiver, skb, p, dir);
    if (dir === IP_CT_DIR_REPLY && (flags & TCPHDR_ACK) === 0) return NFCT_TCP_ACCEPT;
  }

  if ((flags & TCPHDR_ACK) === 0) {
    // No ACK: pretend it acknowledged everything seen.
    ack = receiver.tdEnd;
    sack = ack;
  } else if ((flags & (TCPHDR_ACK | TCPHDR_RST)) === (TCPHDR_ACK | TCPHDR_RST) && ack === 0) {
    // Broken stacks send RST+ACK with a zero ack.
    ack = receiver.tdEnd;
    sack = ack;
  }

  if ((flags & TCPHDR_RST) !== 0 && seq === 0 && tcp.state === TCP_CONNTRACK_SYN_SENT) {
    // RST answering a SYN.
    seq = sender.tdEnd;
    end = seq;
  }

  const maxAckWindow = Math.max(sender.tdMaxwin, MAXACKWINCONST);

  if (!before(seq, (sender.tdMaxend + 1) >>> 0)) {
    const overshot = (end - sender.tdMaxend + 1) >>> 0;
    const ackOk = after(sack, (receiver.tdEnd - maxAckWindow - 1) >>> 0);
    const inRecvWin = receiver.tdMaxwin !== 0 && after(end, (sender.tdEnd - receiver.tdMaxwin - 1) >>> 0);
    if (inRecvWin && ackOk && overshot <= receiver.tdMaxwin && before(sack, (receiver.tdEnd + 1) >>> 0)) {
      // A sender overshooting the receive window a little: remember the data so the
      // peer's ACK of it is not judged "over upper bound" later.
      sender.tdEnd = end;
      sender.flags |= IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
      return verdict(skb, sender, tn, NFCT_TCP_IGNORE, '', 0);
    }
    return verdict(skb, sender, tn, NFCT_TCP_INVALID, REASON_SEQ_OVER, (sender.tdMaxend + 1) >>> 0);
  }

  if (!before(sack, (receiver.tdEnd + 1) >>> 0)) {
    return verdict(skb, sender, tn, NFCT_TCP_INVALID, REASON_ACK_OVER, (receiver.tdEnd + 1) >>> 0);
  }

  // Is the ending sequence in the receive window (if known)?
  if (!(receiver.tdMaxwin === 0 || after(end, (sender.tdEnd - receiver.tdMaxwin - 1) >>> 0))) {
    return verdict(skb, sender, tn, NFCT_TCP_IGNORE, '', 0); // SEQ is under lower bound
  }
  if (!after(sack, (receiver.tdEnd - maxAckWindow - 1) >>> 0)) {
    return verdict(skb, sender, tn, NFCT_TCP_IGNORE, '', 0); // ignored ACK under lower bound
  }

  // Window scaling (RFC 7323) never applies to SYNs.
  if ((flags & TCPHDR_SYN) === 0) win = (win << sender.tdScale) >>> 0;

  // Update sender data.
  const swin = (win + (sack - ack)) >>> 0;
  if (sender.tdMaxwin < swin) sender.tdMaxwin = swin;
  if (after(end, sender.tdEnd)) {
    sender.tdEnd = end;
    sender.flags |= IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
  }
  if ((flags & TCPHDR_ACK) !== 0) {
    if ((sender.flags & IP_CT_TCP_FLAG_MAXACK_SET) === 0) {
      sender.tdMaxack = ack;
      sender.flags |= IP_CT_TCP_FLAG_MAXACK_SET;
    } else if (after(ack, sender.tdMaxack)) {
      sender.tdMaxack = ack;
    }
  }

  // Update receiver data.
  if (receiver.tdMaxwin !== 0 && after(end, sender.tdMaxend)) {
    receiver.tdMaxwin = (receiver.tdMaxwin + (end - sender.tdMaxend)) >>> 0;
  }
  const right = (sack + win) >>> 0;
  if (after(right, (receiver.tdMaxend - 1) >>> 0)) {
    receiver.tdMaxend = win === 0 ? (right + 1) >>> 0 : right;
  }
  if (ack === receiver.tdEnd) receiver.flags &= ~IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;

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
