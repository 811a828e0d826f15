import { TCP_CONNTRACK_NONE } from './constants.js';

/**
 * struct ip_ct_tcp_state: what conntrack knows about one direction's sender.
 * All sequence values are u32 kept as non-negative numbers.
 */
export class TcpSeen {
  /** Highest seq + len sent by this side. */
  tdEnd = 0;
  /** Highest ack + window seen from the peer: the right edge this side may reach. */
  tdMaxend = 0;
  /** Largest (scaled) window advertised by this side; 0 = not yet initialised. */
  tdMaxwin = 0;
  /** Highest ack sent by this side (valid once MAXACK_SET). */
  tdMaxack = 0;
  /** Window scale shift this side announced (0..14). */
  tdScale = 0;
  /** IP_CT_TCP_FLAG_* bits. */
  flags = 0;

  /** nf_ct_tcp_state_reset: zero everything but keep BE_LIBERAL. */
  reset(): void {
    this.tdEnd = 0;
    this.tdMaxend = 0;
    this.tdMaxwin = 0;
    this.tdMaxack = 0;
    this.tdScale = 0;
    this.flags &= 0x08;
  }
}

/**
 * struct ip_ct_tcp: the TCP private part of a conn (ct.proto), allocated once when the
 * conn is created; the packet path only mutates numbers in place.
 */
export class TcpConn {
  /** seen[IP_CT_DIR_ORIGINAL], seen[IP_CT_DIR_REPLY]. */
  readonly seen: readonly [TcpSeen, TcpSeen] = [new TcpSeen(), new TcpSeen()];
  /** enum tcp_conntrack. */
  state = TCP_CONNTRACK_NONE;
  /** Direction and table index of the last packet that committed or was annotated. */
  lastDir = 0;
  lastIndex = 0;
  /** Retransmission counter (u8). */
  retrans = 0;
  /** Annotation of the last ignored / plain-ack packet. */
  lastSeq = 0;
  lastAck = 0;
  lastEnd = 0;
  /** Raw (unscaled) u16 window of the last annotated packet. */
  lastWin = 0;
  /** Window scale of an ignored SYN (for the resync). */
  lastWscale = 0;
  /** WINDOW_SCALE/SACK_PERM of an ignored SYN, EXP_CHALLENGE_ACK, SIMULTANEOUS_OPEN. */
  lastFlags = 0;
}
