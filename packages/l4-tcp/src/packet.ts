import {
  type Conn,
  type HookState,
  IPCT_ASSURED,
  IPCT_PROTOINFO,
  IPS_ASSURED,
  IPS_CONFIRMED,
  IPS_FIXED_TIMEOUT,
  IPS_SEEN_REPLY,
  type Netns,
  NF_ACCEPT,
  NF_DROP,
  NF_INET_PRE_ROUTING,
  NF_REPEAT,
  nfConntrackEventCache,
  nfCtAcct,
  nfCtDelete,
  nfCtExpires,
  nfCtRefresh,
  nfCtRefreshAcct,
  nfL4ChecksumOk,
  type Skb,
} from '@ctrack/core';
import {
  IP_CT_EXP_CHALLENGE_ACK,
  IP_CT_TCP_FLAG_BE_LIBERAL,
  IP_CT_TCP_FLAG_CLOSE_INIT,
  IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED,
  IP_CT_TCP_FLAG_MAXACK_SET,
  IP_CT_TCP_FLAG_SACK_PERM,
  IP_CT_TCP_FLAG_WINDOW_SCALE,
  IP_CT_TCP_SIMULTANEOUS_OPEN,
  TCP_ACK_SET,
  TCP_CONNTRACK_CLOSE,
  TCP_CONNTRACK_CLOSE_WAIT,
  TCP_CONNTRACK_ESTABLISHED,
  TCP_CONNTRACK_FIN_WAIT,
  TCP_CONNTRACK_IGNORE,
  TCP_CONNTRACK_LAST_ACK,
  TCP_CONNTRACK_MAX,
  TCP_CONNTRACK_NAMES,
  TCP_CONNTRACK_NONE,
  TCP_CONNTRACK_RETRANS,
  TCP_CONNTRACK_SYN_RECV,
  TCP_CONNTRACK_SYN_SENT,
  TCP_CONNTRACK_SYN_SENT2,
  TCP_CONNTRACK_TIME_WAIT,
  TCP_CONNTRACK_UNACK,
  TCP_FIN_SET,
  TCP_RST_SET,
  TCP_SYN_SET,
  TCP_SYNACK_SET,
  TCPHDR_CWR,
  TCPHDR_ECE,
  TCPHDR_PSH,
  TCPHDR_RST,
} from './constants.js';
import { tcpOptions } from './options.js';
import type { TcpNet } from './sysctls.js';
import { TCP_VALID_FLAGS, tcpConntrackIndex, tcpTransition } from './tables.js';
import { TcpConn } from './tcp-conn.js';
import { type TcpPkt, tcpPkt } from './tcp-pkt.js';
import { NFCT_TCP_IGNORE, NFCT_TCP_INVALID, tcpInWindow } from './window.js';

const IPPROTO_TCP = 6;
const TCP_HDR_LEN = 20;
const IP_CT_DIR_ORIGINAL = 0;
const IP_CT_DIR_REPLY = 1;

/**
 * tcp_error (docs/tcp.md §2): header length, data offset, checksum (received packets only,
 * when nf_conntrack_checksum is on) and flag combination. Returns the log text of the
 * first failed check, or null. The caller has checked that 20 header bytes exist.
 */
function tcpError(skb: Skb, dataoff: number, state: HookState): string | null {
  const d = skb.data;
  const tcplen = skb.nhoff + skb.len - dataoff;
  const doff = (d[dataoff + 12]! >> 4) << 2;
  if (doff < TCP_HDR_LEN || tcplen < doff) return 'truncated packet';
  if (state.net.checksum.value !== 0 && state.hook === NF_INET_PRE_ROUTING) {
    if (!nfL4ChecksumOk(d, skb.nhoff, dataoff, tcplen, IPPROTO_TCP)) return 'bad checksum';
  }
  const tcpflags = d[dataoff + 13]! & ~(TCPHDR_ECE | TCPHDR_CWR | TCPHDR_PSH);
  if (TCP_VALID_FLAGS[tcpflags] !== 1) return 'invalid tcp flag combination';
  return null;
}

/**
 * tcp_new (docs/tcp.md §5): may the first packet start a conn? SYN starts SYN_SENT tracking;
 * a bare ACK picks a conn up mid-stream when nf_conntrack_tcp_loose allows it, with
 * liberal window checks. Everything else is refused.
 */
function tcpNew(ct: Conn, skb: Skb, p: TcpPkt, tn: TcpNet): boolean {
  const index = tcpConntrackIndex(p.flags);
  const newState = tcpTransition(IP_CT_DIR_ORIGINAL, index, TCP_CONNTRACK_NONE);
  if (newState >= TCP_CONNTRACK_MAX) {
    skb.invalidReason = 'invalid new';
    return false;
  }
  let tcp: TcpConn;
  if (newState === TCP_CONNTRACK_SYN_SENT) {
    tcp = new TcpConn();
    tcp.end0 = p.end;
    tcp.maxwin0 = p.win === 0 ? 1 : p.win;
    tcp.maxend0 = p.end;
    tcpOptions(skb, p.dataoff, p.doff, tcp, 0);
  } else if (tn.loose.value === 0) {
    return false; // don't pick up conns (no log)
  } else {
    tcp = new TcpConn();
    tcp.end0 = p.end;
    tcp.maxwin0 = p.win === 0 ? 1 : p.win;
    tcp.maxend0 = (p.end + tcp.maxwin0) | 0;
    // History lost: assume SACK and check liberally (window scaling is unknown).
    tcp.flags0 = IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL;
    tcp.flags1 = IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL;
  }
  tcp.lastIndex = 5; // TCP_NONE_SET; packet() sets the real values
  ct.proto = tcp;
  return true;
}

/** tcp_can_early_drop: the closing states (also: a RST there skips the window check). */
export function tcpCanEarlyDrop(ct: Conn): boolean {
  const s = (ct.proto as TcpConn).state;
  return (
    s === TCP_CONNTRACK_FIN_WAIT ||
    s === TCP_CONNTRACK_LAST_ACK ||
    s === TCP_CONNTRACK_TIME_WAIT ||
    s === TCP_CONNTRACK_CLOSE ||
    s === TCP_CONNTRACK_CLOSE_WAIT
  );
}

/** nf_conntrack_tcp_established: ESTABLISHED and ASSURED. */
function tcpEstablished(ct: Conn, tcp: TcpConn): boolean {
  return tcp.state === TCP_CONNTRACK_ESTABLISHED && (ct.status & IPS_ASSURED) !== 0;
}

/** Scratch state for the options of an ignored SYN (docs/tcp.md §9.2): its direction 0 is used. */
const scratchTcp = new TcpConn();

/**
 * The ignore path (docs/tcp.md §9): resync on a SYN/ACK answering a SYN we ignored, else
 * annotate the packet. Returns true when it resynced (go on to the window check with
 * old = SYN_SENT, new = SYN_RECV), false when the packet is to be accepted untouched.
 */
function tcpIgnore(tcp: TcpConn, dir: number, index: number, skb: Skb, p: TcpPkt, oldState: number): boolean {
  if (
    index === TCP_SYNACK_SET &&
    tcp.lastIndex === TCP_SYN_SET &&
    tcp.lastDir !== dir &&
    p.ackSeq === tcp.lastEnd
  ) {
    // This SYN/ACK acknowledges the SYN we ignored: both ends are in sync, we were not.
    const s = tcp.lastDir;
    tcp.setTdEnd(s, tcp.lastEnd);
    tcp.setTdMaxend(s, tcp.lastEnd);
    tcp.setTdMaxwin(s, tcp.lastWin === 0 ? 1 : tcp.lastWin);
    tcp.setTdScale(s, tcp.lastWscale);
    tcp.lastFlags &= ~IP_CT_EXP_CHALLENGE_ACK;
    tcp.setSeenFlags(s, tcp.lastFlags);
    tcp.resetSeen(dir);
    return true;
  }
  tcp.lastIndex = index;
  tcp.lastDir = dir;
  tcp.lastSeq = p.seq;
  tcp.lastEnd = p.end;
  tcp.lastWin = p.win;
  if (index === TCP_SYN_SET && dir === IP_CT_DIR_ORIGINAL) {
    // Keep the SYN's options: if the peer answers with a SYN/ACK we resync from them.
    const seen = scratchTcp;
    seen.scale0 = 0;
    seen.flags0 = 0;
    tcp.lastFlags = 0;
    tcp.lastWscale = 0;
    tcpOptions(skb, p.dataoff, p.doff, seen, 0);
    if ((seen.flags0 & IP_CT_TCP_FLAG_WINDOW_SCALE) !== 0) {
      tcp.lastFlags |= IP_CT_TCP_FLAG_WINDOW_SCALE;
      tcp.lastWscale = seen.scale0;
    }
    if ((seen.flags0 & IP_CT_TCP_FLAG_SACK_PERM) !== 0) tcp.lastFlags |= IP_CT_TCP_FLAG_SACK_PERM;
    // RFC 5961: in LAST_ACK the peer may answer with a challenge ACK, not the final ACK.
    if (oldState === TCP_CONNTRACK_LAST_ACK) tcp.lastFlags |= IP_CT_EXP_CHALLENGE_ACK;
  }
  // A possible challenge ACK answering the SYN.
  if (oldState === TCP_CONNTRACK_SYN_SENT && index === TCP_ACK_SET && dir === IP_CT_DIR_REPLY)
    tcp.lastAck = p.ackSeq;
  return false;
}

/** Result of the RST rules: window check, skip it, or invalid; plus "keep the old state". */
const RST_CHECK = 0;
const RST_IN_WINDOW = 1;
const RST_INVALID = 2;
const RST_KEEP_OLD = 4;

/**
 * RST rules (docs/tcp.md §10) for new == CLOSE and index rst, in the kernel's order.
 * Returns RST_CHECK / RST_IN_WINDOW / RST_INVALID, possibly with RST_KEEP_OLD.
 */
function tcpRstRules(ct: Conn, tcp: TcpConn, dir: number, p: TcpPkt, oldState: number, tn: TcpNet): number {
  // 1. Closing already: the tuple may be reused, the window data is stale.
  if (tcpCanEarlyDrop(ct)) return RST_IN_WINDOW;
  let keep = 0;
  const peer = dir ^ 1;
  // 2. td_maxack is trustworthy unless we let a SYN through last.
  if ((tcp.seenFlags(peer) & IP_CT_TCP_FLAG_MAXACK_SET) !== 0 && tcp.lastIndex !== TCP_SYN_SET) {
    const seq = p.seq;
    const peerMaxack = tcp.tdMaxack(peer);
    const established = tcpEstablished(ct, tcp);
    // 2a. Most likely the answer to a SYN we let through.
    if (seq === 0 && !established) return RST_CHECK;
    // 2b. Below what the peer already acknowledged.
    if (((seq - peerMaxack) | 0) < 0 && tn.ignoreInvalidRst.value === 0) return RST_INVALID;
    // 2c.
    if (!established || seq === peerMaxack) return RST_CHECK;
    // 2d. Part of a train: data, then a RST at its end.
    if (tcp.lastIndex === TCP_ACK_SET && tcp.lastDir === dir && seq === tcp.lastEnd) return RST_CHECK;
    // 2e. Inexact RST: stay ESTABLISHED to allow a challenge ACK.
    keep = RST_KEEP_OLD;
  }
  // 3. RST answering a SYN, or an ACK of a half-open conn, we let through unchecked.
  if (
    (((ct.status & IPS_SEEN_REPLY) !== 0 && tcp.lastIndex === TCP_SYN_SET) ||
      ((ct.status & IPS_ASSURED) === 0 && tcp.lastIndex === TCP_ACK_SET)) &&
    p.ackSeq === tcp.lastEnd
  ) {
    return RST_IN_WINDOW | keep;
  }
  // 4. RST answering a challenge ACK we let through.
  if (
    oldState === TCP_CONNTRACK_SYN_SENT &&
    tcp.lastIndex === TCP_ACK_SET &&
    tcp.lastDir === IP_CT_DIR_REPLY &&
    p.seq === tcp.lastAck
  ) {
    return RST_IN_WINDOW | keep;
  }
  // 5.
  return RST_CHECK | keep;
}

/**
 * nf_tcp_handle_invalid (docs/tcp.md §7.6): an out-of-window FIN/RST answering the other
 * side's FIN/RST on an ASSURED conn shortens a long timeout to the unacknowledged one.
 */
function tcpHandleInvalid(ct: Conn, tcp: TcpConn, dir: number, index: number, tn: TcpNet, net: Netns): void {
  if ((ct.status & IPS_ASSURED) === 0 || (ct.status & IPS_FIXED_TIMEOUT) !== 0) return;
  if (index !== TCP_RST_SET && index !== TCP_FIN_SET) return;
  if (tcp.lastDir !== dir && (tcp.lastIndex === TCP_FIN_SET || tcp.lastIndex === TCP_RST_SET)) {
    const expires = nfCtExpires(ct);
    if (expires < 120 * net.hz) return;
    const timeout = tn.timeouts[TCP_CONNTRACK_UNACK]!.value * net.hz;
    if (expires > timeout) nfCtRefresh(ct, timeout);
  } else {
    tcp.lastIndex = index;
    tcp.lastDir = dir;
  }
}

/** The timeout for the committed state (docs/tcp.md §6.5), in jiffies. */
function tcpTimeout(tcp: TcpConn, newState: number, index: number, tn: TcpNet, hz: number): number {
  const to = tn.timeouts;
  const stateTo = to[newState]!.value;
  const retransTo = to[TCP_CONNTRACK_RETRANS]!.value;
  const unackTo = to[TCP_CONNTRACK_UNACK]!.value;
  let t: number;
  if (tcp.retrans >= tn.maxRetrans.value && stateTo > retransTo) t = retransTo;
  else if (index === TCP_RST_SET) t = to[TCP_CONNTRACK_CLOSE]!.value;
  else if (((tcp.flags0 | tcp.flags1) & IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED) !== 0 && stateTo > unackTo)
    t = unackTo;
  else if (tcp.lastWin === 0 && stateTo > retransTo) t = retransTo;
  else t = stateTo;
  return t * hz;
}

/**
 * nf_conntrack_tcp_packet (docs/tcp.md §2, §5, §6): checks, conn creation, the state
 * machine, window tracking, timeout, events. Kernel return convention: NF_ACCEPT,
 * -NF_ACCEPT (invalid), -NF_DROP, -NF_REPEAT (reopen: look the packet up again).
 */
export function tcpPacket(
  ct: Conn,
  skb: Skb,
  dataoff: number,
  ctinfo: number,
  state: HookState,
  tn: TcpNet,
): number {
  const net = state.net;
  if (dataoff + TCP_HDR_LEN > skb.nhoff + skb.len) return -NF_ACCEPT; // header not readable
  const err = tcpError(skb, dataoff, state);
  if (err !== null) {
    skb.invalidReason = err;
    return -NF_ACCEPT;
  }
  const p = tcpPkt;
  p.load(skb, dataoff);
  if ((ct.status & IPS_CONFIRMED) === 0 && !tcpNew(ct, skb, p, tn)) return -NF_ACCEPT;

  const tcp = ct.proto as TcpConn;
  let oldState = tcp.state;
  const dir = ctinfo >= 3 ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
  const index = tcpConntrackIndex(p.flags);
  let newState = tcpTransition(dir, index, oldState);
  let skipWindow = false;

  switch (newState) {
    case TCP_CONNTRACK_SYN_SENT:
    case TCP_CONNTRACK_IGNORE: {
      if (newState === TCP_CONNTRACK_SYN_SENT) {
        if (oldState < TCP_CONNTRACK_TIME_WAIT) break;
        // A new SYN on a closed or aborted conn: delete it and look the packet up again.
        if (
          ((tcp.flags0 | tcp.flags1) & IP_CT_TCP_FLAG_CLOSE_INIT) !== 0 ||
          (tcp.lastDir === dir && tcp.lastIndex === TCP_RST_SET)
        ) {
          return nfCtDelete(ct, 0, 0) ? -NF_REPEAT : -NF_DROP;
        }
      }
      if (!tcpIgnore(tcp, dir, index, skb, p, oldState)) return NF_ACCEPT;
      oldState = TCP_CONNTRACK_SYN_SENT;
      newState = TCP_CONNTRACK_SYN_RECV;
      break;
    }
    case TCP_CONNTRACK_MAX:
      // (SYN proxy keep-alive exception not applicable: no synproxy.)
      skb.invalidReason = `packet (index ${index}) in dir ${dir} invalid, state ${TCP_CONNTRACK_NAMES[oldState]}`;
      return -NF_ACCEPT;
    case TCP_CONNTRACK_TIME_WAIT:
      // RFC 5961 challenge ACK answering an ignored SYN in LAST_ACK: not the final ACK.
      if (
        oldState === TCP_CONNTRACK_LAST_ACK &&
        index === TCP_ACK_SET &&
        tcp.lastDir !== dir &&
        tcp.lastIndex === TCP_SYN_SET &&
        (tcp.lastFlags & IP_CT_EXP_CHALLENGE_ACK) !== 0
      ) {
        tcp.lastFlags &= ~IP_CT_EXP_CHALLENGE_ACK;
        return NF_ACCEPT;
      }
      break;
    case TCP_CONNTRACK_SYN_SENT2:
      // The table cannot express simultaneous open on its own.
      tcp.lastFlags |= IP_CT_TCP_SIMULTANEOUS_OPEN;
      break;
    case TCP_CONNTRACK_SYN_RECV:
      if (
        dir === IP_CT_DIR_REPLY &&
        index === TCP_ACK_SET &&
        (tcp.lastFlags & IP_CT_TCP_SIMULTANEOUS_OPEN) !== 0
      )
        newState = TCP_CONNTRACK_ESTABLISHED;
      break;
    case TCP_CONNTRACK_CLOSE: {
      if (index !== TCP_RST_SET) break;
      const r = tcpRstRules(ct, tcp, dir, p, oldState, tn);
      if ((r & 3) === RST_INVALID) {
        skb.invalidReason = 'invalid rst';
        return -NF_ACCEPT;
      }
      if ((r & RST_KEEP_OLD) !== 0) newState = oldState;
      skipWindow = (r & 3) === RST_IN_WINDOW;
      break;
    }
  }

  if (!skipWindow) {
    const res = tcpInWindow(tcp, dir, index, skb, p, tn);
    if (res === NFCT_TCP_IGNORE) return NF_ACCEPT;
    if (res === NFCT_TCP_INVALID) {
      tcpHandleInvalid(ct, tcp, dir, index, tn, net);
      return -NF_ACCEPT;
    }
  }
  return tcpCommit(ct, tcp, skb, ctinfo, dir, index, p.flags, oldState, newState, tn, net);
}

/** From "in_window" on (docs/tcp.md §6.4–6.9): commit state, timeout, events, refresh. */
function tcpCommit(
  ct: Conn,
  tcp: TcpConn,
  skb: Skb,
  ctinfo: number,
  dir: number,
  index: number,
  flags: number,
  oldState: number,
  newState: number,
  tn: TcpNet,
  net: Netns,
): number {
  tcp.lastIndex = index;
  tcp.lastDir = dir;
  tcp.state = newState;
  if (oldState !== newState && newState === TCP_CONNTRACK_FIN_WAIT)
    tcp.setSeenFlags(dir, tcp.seenFlags(dir) | IP_CT_TCP_FLAG_CLOSE_INIT);

  let timeout = tcpTimeout(tcp, newState, index, tn, net.hz);

  if (newState !== oldState) nfConntrackEventCache(ct, IPCT_PROTOINFO);

  if ((ct.status & IPS_SEEN_REPLY) === 0) {
    // Only a RST came back: not a real conn, delete it now (nf_ct_kill_acct).
    if ((flags & TCPHDR_RST) !== 0) {
      nfCtAcct(ct, ctinfo, skb);
      nfCtDelete(ct, 0, 0);
      return NF_ACCEPT;
    }
    // SYN retransmissions must not keep a dead entry alive: no refresh.
    if (index === TCP_SYN_SET && oldState === TCP_CONNTRACK_SYN_SENT) return NF_ACCEPT;
    // Picked up mid-stream without a reply yet: no long ESTABLISHED timeout.
    const unack = tn.timeouts[TCP_CONNTRACK_UNACK]!.value * net.hz;
    if (newState === TCP_CONNTRACK_ESTABLISHED && timeout > unack) timeout = unack;
  } else if (
    (ct.status & IPS_ASSURED) === 0 &&
    (oldState === TCP_CONNTRACK_SYN_RECV || oldState === TCP_CONNTRACK_ESTABLISHED) &&
    newState === TCP_CONNTRACK_ESTABLISHED
  ) {
    // A valid ACK after SYN_RECV, or a valid answer for a picked-up conn.
    ct.status |= IPS_ASSURED;
    nfConntrackEventCache(ct, IPCT_ASSURED);
  }
  nfCtRefreshAcct(ct, ctinfo, skb, timeout);
  return NF_ACCEPT;
}
