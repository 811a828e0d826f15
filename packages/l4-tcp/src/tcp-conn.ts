import { TCP_CONNTRACK_NONE } from './constants.js';

/**
 * struct ip_ct_tcp: the TCP private part of a conn (ct.proto), one object allocated when
 * the conn is created; the packet path only mutates small integers in place.
 *
 * Layout (memory and speed: Node 20 x64 has no pointer compression, every field is 8
 * bytes and a number outside the signed 32-bit small-integer range would be a separate
 * heap number): the two struct ip_ct_tcp_state of the kernel (`seen[0]`, `seen[1]`)
 * are flattened into this object as `*0` (ORIGINAL direction's sender) and `*1` (REPLY)
 * fields, and every u32 sequence value (td_end, td_maxend, td_maxack, last_seq, ...) is
 * stored as the **int32 of the same bits** (`| 0`); compare them only with `===` or the
 * signed 32-bit difference (before()/after()). td_maxwin is a u32 too, stored the same
 * way (use `>>> 0` for an unsigned comparison). The per-direction accessors (`tdEnd(d)`,
 * `setTdEnd(d, v)`, ...) take the direction as 0 or 1; the packet path uses them.
 *
 * `seen` still gives the kernel's view, two TcpSeen objects, built on demand (not for
 * the hot path), whose sequence fields read as non-negative u32 values.
 */
export class TcpConn {
  /** td_end: highest seq + len sent by this side (int32). */
  end0 = 0;
  end1 = 0;
  /** td_maxend: highest ack + window seen from the peer (int32). */
  maxend0 = 0;
  maxend1 = 0;
  /** td_maxwin: largest (scaled) window advertised by this side; 0 = not initialised (int32 of the u32). */
  maxwin0 = 0;
  maxwin1 = 0;
  /** td_maxack: highest ack sent by this side, valid once MAXACK_SET (int32). */
  maxack0 = 0;
  maxack1 = 0;
  /** td_scale: window scale shift this side announced (0..14). */
  scale0 = 0;
  scale1 = 0;
  /** IP_CT_TCP_FLAG_* bits of each side. */
  flags0 = 0;
  flags1 = 0;
  /** enum tcp_conntrack. */
  state = TCP_CONNTRACK_NONE;
  /**
   * last_dir (bit 0), last_index (bits 1-3), last_wscale (bits 4-7), retrans (bits 8-15),
   * last_flags (bits 16-23): see the accessors of the same names.
   */
  lastBits = 0;
  /** Annotation of the last ignored / plain-ack packet (int32). */
  lastSeq = 0;
  lastAck = 0;
  lastEnd = 0;
  /** Raw (unscaled) u16 window of the last annotated packet. */
  lastWin = 0;

  /** Direction of the last packet that committed or was annotated. */
  get lastDir(): number {
    return this.lastBits & 1;
  }
  set lastDir(v: number) {
    this.lastBits = (this.lastBits & ~1) | (v & 1);
  }
  /** Table index (TCP_*_SET) of that packet. */
  get lastIndex(): number {
    return (this.lastBits >> 1) & 7;
  }
  set lastIndex(v: number) {
    this.lastBits = (this.lastBits & ~0xe) | ((v & 7) << 1);
  }
  /** Window scale of an ignored SYN (for the resync). */
  get lastWscale(): number {
    return (this.lastBits >> 4) & 0xf;
  }
  set lastWscale(v: number) {
    this.lastBits = (this.lastBits & ~0xf0) | ((v & 0xf) << 4);
  }
  /** Retransmission counter (u8). */
  get retrans(): number {
    return (this.lastBits >> 8) & 0xff;
  }
  set retrans(v: number) {
    this.lastBits = (this.lastBits & ~0xff00) | ((v & 0xff) << 8);
  }
  /** WINDOW_SCALE/SACK_PERM of an ignored SYN, EXP_CHALLENGE_ACK, SIMULTANEOUS_OPEN. */
  get lastFlags(): number {
    return (this.lastBits >> 16) & 0xff;
  }
  set lastFlags(v: number) {
    this.lastBits = (this.lastBits & ~0xff0000) | ((v & 0xff) << 16);
  }

  // --- per direction (d = 0 ORIGINAL, 1 REPLY) ------------------------------------------

  tdEnd(d: number): number {
    return d === 0 ? this.end0 : this.end1;
  }
  setTdEnd(d: number, v: number): void {
    if (d === 0) this.end0 = v | 0;
    else this.end1 = v | 0;
  }
  tdMaxend(d: number): number {
    return d === 0 ? this.maxend0 : this.maxend1;
  }
  setTdMaxend(d: number, v: number): void {
    if (d === 0) this.maxend0 = v | 0;
    else this.maxend1 = v | 0;
  }
  /** td_maxwin as stored (int32 of the u32; `>>> 0` for the unsigned value). */
  tdMaxwin(d: number): number {
    return d === 0 ? this.maxwin0 : this.maxwin1;
  }
  setTdMaxwin(d: number, v: number): void {
    if (d === 0) this.maxwin0 = v | 0;
    else this.maxwin1 = v | 0;
  }
  tdMaxack(d: number): number {
    return d === 0 ? this.maxack0 : this.maxack1;
  }
  setTdMaxack(d: number, v: number): void {
    if (d === 0) this.maxack0 = v | 0;
    else this.maxack1 = v | 0;
  }
  tdScale(d: number): number {
    return d === 0 ? this.scale0 : this.scale1;
  }
  setTdScale(d: number, v: number): void {
    if (d === 0) this.scale0 = v;
    else this.scale1 = v;
  }
  seenFlags(d: number): number {
    return d === 0 ? this.flags0 : this.flags1;
  }
  setSeenFlags(d: number, v: number): void {
    if (d === 0) this.flags0 = v;
    else this.flags1 = v;
  }

  /** nf_ct_tcp_state_reset of direction `d`: zero everything but keep BE_LIBERAL. */
  resetSeen(d: number): void {
    if (d === 0) {
      this.end0 = this.maxend0 = this.maxwin0 = this.maxack0 = this.scale0 = 0;
      this.flags0 &= 0x08;
    } else {
      this.end1 = this.maxend1 = this.maxwin1 = this.maxack1 = this.scale1 = 0;
      this.flags1 &= 0x08;
    }
  }

  /** seen[IP_CT_DIR_ORIGINAL], seen[IP_CT_DIR_REPLY]: views, made per call (not for the hot path). */
  get seen(): readonly [TcpSeen, TcpSeen] {
    return [new TcpSeen(this, 0), new TcpSeen(this, 1)];
  }
}

/**
 * struct ip_ct_tcp_state: what conntrack knows about one direction's sender. A view of
 * one direction of a TcpConn (`tcp.seen[d]`); `new TcpSeen()` makes a detached one.
 * Sequence values read as non-negative u32 and may be written in either form.
 */
export class TcpSeen {
  constructor(
    readonly conn: TcpConn = new TcpConn(),
    readonly dir: number = 0,
  ) {}

  /** Highest seq + len sent by this side. */
  get tdEnd(): number {
    return this.conn.tdEnd(this.dir) >>> 0;
  }
  set tdEnd(v: number) {
    this.conn.setTdEnd(this.dir, v);
  }
  /** Highest ack + window seen from the peer: the right edge this side may reach. */
  get tdMaxend(): number {
    return this.conn.tdMaxend(this.dir) >>> 0;
  }
  set tdMaxend(v: number) {
    this.conn.setTdMaxend(this.dir, v);
  }
  /** Largest (scaled) window advertised by this side; 0 = not yet initialised. */
  get tdMaxwin(): number {
    return this.conn.tdMaxwin(this.dir) >>> 0;
  }
  set tdMaxwin(v: number) {
    this.conn.setTdMaxwin(this.dir, v);
  }
  /** Highest ack sent by this side (valid once MAXACK_SET). */
  get tdMaxack(): number {
    return this.conn.tdMaxack(this.dir) >>> 0;
  }
  set tdMaxack(v: number) {
    this.conn.setTdMaxack(this.dir, v);
  }
  /** Window scale shift this side announced (0..14). */
  get tdScale(): number {
    return this.conn.tdScale(this.dir);
  }
  set tdScale(v: number) {
    this.conn.setTdScale(this.dir, v);
  }
  /** IP_CT_TCP_FLAG_* bits. */
  get flags(): number {
    return this.conn.seenFlags(this.dir);
  }
  set flags(v: number) {
    this.conn.setSeenFlags(this.dir, v);
  }

  /** nf_ct_tcp_state_reset: zero everything but keep BE_LIBERAL. */
  reset(): void {
    this.conn.resetSeen(this.dir);
  }
}
