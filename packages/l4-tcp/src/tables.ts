import {
  TCP_CONNTRACK_CLOSE as sCL,
  TCP_CONNTRACK_CLOSE_WAIT as sCW,
  TCP_CONNTRACK_ESTABLISHED as sES,
  TCP_CONNTRACK_FIN_WAIT as sFW,
  TCP_CONNTRACK_IGNORE as sIG,
  TCP_CONNTRACK_MAX as sIV,
  TCP_CONNTRACK_LAST_ACK as sLA,
  TCP_CONNTRACK_SYN_SENT2 as sS2,
  TCP_CONNTRACK_SYN_RECV as sSR,
  TCP_CONNTRACK_SYN_SENT as sSS,
  TCP_CONNTRACK_TIME_WAIT as sTW,
  TCPHDR_ACK,
  TCPHDR_FIN,
  TCPHDR_RST,
  TCPHDR_SYN,
  TCPHDR_URG,
} from './constants.js';

/**
 * tcp_conntracks[dir][index][old_state] (docs/tcp.md §4), the 6.x tables. Flattened:
 * entry = TCP_CONNTRACKS[(dir * 6 + index) * 10 + old].
 * Columns: sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2.
 */
// biome-ignore format: keep the kernel's table layout
export const TCP_CONNTRACKS = Uint8Array.from([
  // ORIGINAL
  /* syn    */ sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2,
  /* synack */ sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
  // REPLY
  /* syn    */ sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2,
  /* synack */ sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
]);

/** new = T[dir][index][old]. */
export function tcpTransition(dir: number, index: number, old: number): number {
  return TCP_CONNTRACKS[(dir * 6 + index) * 10 + old]!;
}

/**
 * tcp_valid_flags[]: indexed by the flag byte with PSH, ECE and CWR cleared (docs/tcp.md §2).
 * Exactly nine combinations are valid.
 */
export const TCP_VALID_FLAGS = (() => {
  const t = new Uint8Array((TCPHDR_FIN | TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK | TCPHDR_URG) + 1);
  for (const f of [
    TCPHDR_SYN,
    TCPHDR_SYN | TCPHDR_URG,
    TCPHDR_SYN | TCPHDR_ACK,
    TCPHDR_RST,
    TCPHDR_RST | TCPHDR_ACK,
    TCPHDR_FIN | TCPHDR_ACK,
    TCPHDR_FIN | TCPHDR_ACK | TCPHDR_URG,
    TCPHDR_ACK,
    TCPHDR_ACK | TCPHDR_URG,
  ])
    t[f] = 1;
  return t;
})();

/** get_conntrack_index: first match of rst, syn(ack), fin, ack, none (docs/tcp.md §3). */
export function tcpConntrackIndex(flags: number): number {
  if ((flags & TCPHDR_RST) !== 0) return 4;
  if ((flags & TCPHDR_SYN) !== 0) return (flags & TCPHDR_ACK) !== 0 ? 1 : 0;
  if ((flags & TCPHDR_FIN) !== 0) return 2;
  if ((flags & TCPHDR_ACK) !== 0) return 3;
  return 5;
}
