import { readI32, type Skb } from '@ctrack/core';
import {
  IP_CT_TCP_FLAG_BE_LIBERAL,
  IP_CT_TCP_FLAG_SACK_PERM,
  IP_CT_TCP_FLAG_WINDOW_SCALE,
  TCP_MAX_WSCALE,
} from './constants.js';
import type { TcpConn } from './tcp-conn.js';

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_WINDOW = 3;
const TCPOPT_SACK_PERM = 4;
const TCPOPT_SACK = 5;
const TCPOPT_TIMESTAMP = 8;
const TCPOLEN_WINDOW = 3;
const TCPOLEN_SACK_PERM = 2;
const TCPOLEN_TIMESTAMP = 10;
const TCPOLEN_TSTAMP_ALIGNED = 12;
const TCPOLEN_SACK_BASE = 2;
const TCPOLEN_SACK_PERBLOCK = 8;
/** NOP, NOP, TIMESTAMP, 10 as one big-endian word: the timestamp-only fast path. */
const TSTAMP_ONLY_WORD =
  (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP;

/**
 * tcp_options (docs/tcp.md §8.2): read window scale and SACK-permitted from a SYN or SYN/ACK
 * into direction `dir` of `tcp`. With no options at all nothing is touched (the kernel
 * returns before resetting); otherwise td_scale and every flag but BE_LIBERAL are
 * cleared first. `dataoff` is the TCP header's offset in skb.data, `doff` its length in bytes.
 */
export function tcpOptions(skb: Skb, dataoff: number, doff: number, tcp: TcpConn, dir: number): void {
  let length = doff - 20;
  if (length <= 0) return;
  const d = skb.data;
  let p = dataoff + 20;
  tcp.setTdScale(dir, 0);
  tcp.setSeenFlags(dir, tcp.seenFlags(dir) & IP_CT_TCP_FLAG_BE_LIBERAL);
  while (length > 0) {
    const opcode = d[p++]!;
    if (opcode === TCPOPT_EOL) return;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return;
    const opsize = d[p++]!;
    if (opsize < 2) return; // "silly options"
    if (opsize > length) return; // don't parse partial options
    if (opcode === TCPOPT_SACK_PERM && opsize === TCPOLEN_SACK_PERM) {
      tcp.setSeenFlags(dir, tcp.seenFlags(dir) | IP_CT_TCP_FLAG_SACK_PERM);
    } else if (opcode === TCPOPT_WINDOW && opsize === TCPOLEN_WINDOW) {
      const s = d[p]!;
      tcp.setTdScale(dir, Math.min(s, TCP_MAX_WSCALE));
      tcp.setSeenFlags(dir, tcp.seenFlags(dir) | IP_CT_TCP_FLAG_WINDOW_SCALE);
    }
    p += opsize - 2;
    length -= opsize;
  }
}

/**
 * tcp_sack (docs/tcp.md §8.3): the highest SACK right edge after `sack`, from the first
 * well-formed SACK option; `sack` itself when there is none. Sequence numbers as int32.
 */
export function tcpSack(skb: Skb, dataoff: number, doff: number, sack: number): number {
  let length = doff - 20;
  if (length <= 0) return sack;
  const d = skb.data;
  let p = dataoff + 20;
  // Fast path for the timestamp-only option layout.
  if (length === TCPOLEN_TSTAMP_ALIGNED && readI32(d, p) === TSTAMP_ONLY_WORD) return sack;
  let best = sack;
  while (length > 0) {
    const opcode = d[p++]!;
    if (opcode === TCPOPT_EOL) return best;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return best;
    const opsize = d[p++]!;
    if (opsize < 2) return best;
    if (opsize > length) return best;
    if (
      opcode === TCPOPT_SACK &&
      opsize >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
      (opsize - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK === 0
    ) {
      for (let i = 0; i < opsize - TCPOLEN_SACK_BASE; i += TCPOLEN_SACK_PERBLOCK) {
        const right = readI32(d, p + i + 4);
        if (((best - right) | 0) < 0) best = right; // after(right, best)
      }
      return best;
    }
    p += opsize - 2;
    length -= opsize;
  }
  return best;
}
