import { IP_CT_DIR_REPLY } from './constants.js';
import { jhash3wordsInt } from './jhash.js';
import type { L4Proto } from './l4proto.js';
import type { Netns } from './netns.js';
import { Tuple } from './tuple.js';

/**
 * struct nf_conntrack_tuple_hash: a tuple plus its hash-chain link and its conn.
 * Every conn has two, ORIGINAL and REPLY, both linked in the table once confirmed.
 * To save an object per conn, the ORIGINAL one is the `Conn` itself (`ct.orig === ct`)
 * and the REPLY one is a `ReplyTupleHash` (`ct.reply`); either way `h.ct` is the conn
 * and `h.dir` the direction.
 */
export abstract class TupleHash extends Tuple {
  /** Next entry in the same bucket's chain. */
  next: TupleHash | null = null;
  abstract get ct(): Conn;
}

/** The REPLY tuplehash of a conn. */
export class ReplyTupleHash extends TupleHash {
  readonly ct: Conn;

  constructor(ct: Conn) {
    super();
    this.ct = ct;
    this.dir = IP_CT_DIR_REPLY;
  }
}

/**
 * struct nf_conn. One stable shape for every protocol: per-protocol state lives in
 * `proto` (owned by the l4 module), extensions in `ext` indexed by NF_CT_EXT_*.
 * The conn is its own ORIGINAL tuplehash (the Tuple fields it inherits); see TupleHash.
 * Every number field is a small integer (ids int32, jiffies from the netns origin).
 */
export class Conn extends TupleHash {
  /** ct->tuplehash[IP_CT_DIR_REPLY]. */
  readonly reply: ReplyTupleHash;
  /** IPS_* bits. */
  status = 0;
  /** Jiffies (netns-relative, see Netns.jiffies): relative while unconfirmed, the absolute deadline once confirmed. */
  timeout = 0;
  /** Conntrack zone id (both directions). */
  zone = 0;
  /**
   * Allocation sequence number (see `nfCtAllocSeq`): orders conns by creation, which is
   * their order in a hash chain, and gives the id. The same packet stream gives the same
   * numbers whether one tracker or a sharded replay (one tracker per worker) sees it.
   */
  seq = 0;
  /**
   * mark, secmark and master, which most conns never set, live in one object made on
   * the first non-default write (8 bytes per conn instead of 24); read and write them
   * through the accessors below as plain fields.
   */
  rare: ConnRare | null = null;
  l4proto: L4Proto;
  /** l4 private state (struct nf_conntrack_proto's union), owned by `l4proto`. */
  proto: unknown = null;
  /** Extension area by NF_CT_EXT_* id; null until the first extension is added. */
  ext: unknown[] | null = null;
  readonly net: Netns;
  /** Expiry timer bookkeeping (owned by Timers). */
  timerIndex = -1;
  timerKey = 0;
  /** References held (the table's and each packet's), like ct_general.use. */
  use = 0;

  constructor(net: Netns, l4proto: L4Proto) {
    super();
    this.net = net;
    this.l4proto = l4proto;
    this.reply = new ReplyTupleHash(this);
  }

  /**
   * 32-bit id, stable for the conn's life (`-o id`), as int32: print `id >>> 0`. Derived
   * from `seq` under the netns' id key, so it costs no field of its own.
   */
  get id(): number {
    return jhash3wordsInt(this.seq, 0, 0, this.net.idSeed);
  }

  /** ct->mark. */
  get mark(): number {
    const r = this.rare;
    return r === null ? 0 : r.mark;
  }
  set mark(v: number) {
    if (this.rare === null) {
      if (v === 0) return;
      this.rare = new ConnRare();
    }
    this.rare.mark = v;
  }

  /** ct->secmark. */
  get secmark(): number {
    const r = this.rare;
    return r === null ? 0 : r.secmark;
  }
  set secmark(v: number) {
    if (this.rare === null) {
      if (v === 0) return;
      this.rare = new ConnRare();
    }
    this.rare.secmark = v;
  }

  /** The conn that expected this one (EXPECTED), or null. */
  get master(): Conn | null {
    const r = this.rare;
    return r === null ? null : r.master;
  }
  set master(v: Conn | null) {
    if (this.rare === null) {
      if (v === null) return;
      this.rare = new ConnRare();
    }
    this.rare.master = v;
  }

  /** The conn is its own ORIGINAL tuplehash. */
  get ct(): Conn {
    return this;
  }

  /** ct->tuplehash[IP_CT_DIR_ORIGINAL] (the conn itself). */
  get orig(): TupleHash {
    return this;
  }

  /** ct->tuplehash as a fresh [ORIGINAL, REPLY] pair; not for the hot path (use orig/reply). */
  get tuplehash(): readonly [TupleHash, TupleHash] {
    return [this, this.reply];
  }
}

/** The rarely set part of a conn (see Conn.rare). */
export class ConnRare {
  mark = 0;
  secmark = 0;
  master: Conn | null = null;
}

/** nf_ct_ext_find */
export function extFind<T>(ct: Conn, id: number): T | undefined {
  const e = ct.ext;
  return e === null ? undefined : (e[id] as T | undefined);
}

/** nf_ct_ext_add: only on an unconfirmed conn; returns the stored value. */
export function extAdd<T>(ct: Conn, id: number, value: T): T {
  if (ct.ext === null) ct.ext = [];
  ct.ext[id] = value;
  return value;
}
