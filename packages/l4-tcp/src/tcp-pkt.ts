import { readI32, readU16, type Skb } from '@ctrack/core';
import { TCPHDR_FIN, TCPHDR_SYN } from './constants.js';

/**
 * The TCP header fields conntrack reads, parsed once per packet into one reused
 * object (the packet path is synchronous, so a single scratch instance is enough and
 * nothing is allocated per packet).
 */
export class TcpPkt {
  /** Offset of the TCP header in skb.data. */
  dataoff = 0;
  /** Header length in bytes (doff · 4). */
  doff = 0;
  /** Flag byte (header byte 13). */
  flags = 0;
  /** Sequence and acknowledgment numbers as int32 (the u32 bits `| 0`). */
  seq = 0;
  ackSeq = 0;
  /** Raw u16 window. */
  win = 0;
  /** segment_seq_plus_len: seq + payload + SYN + FIN (int32). */
  end = 0;

  /** Read the fields of a header already checked to be complete (tcp_error passed). */
  load(skb: Skb, dataoff: number): void {
    const d = skb.data;
    this.dataoff = dataoff;
    this.doff = (d[dataoff + 12]! >> 4) << 2;
    this.flags = d[dataoff + 13]!;
    this.seq = readI32(d, dataoff + 4);
    this.ackSeq = readI32(d, dataoff + 8);
    this.win = readU16(d, dataoff + 14);
    const payload = skb.nhoff + skb.len - dataoff - this.doff;
    const f = this.flags;
    this.end = (this.seq + payload + ((f & TCPHDR_SYN) !== 0 ? 1 : 0) + ((f & TCPHDR_FIN) !== 0 ? 1 : 0)) | 0;
  }
}

/** The one scratch header of the packet path. */
export const tcpPkt = new TcpPkt();
