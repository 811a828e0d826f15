import { IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY } from './constants.js';
import type { L4Proto } from './l4proto.js';
import type { Netns } from './netns.js';
import { Tuple } from './tuple.js';

/**
 * struct nf_conntrack_tuple_hash: a tuple plus its hash-chain link and its conn.
 * Every conn owns two, ORIGINAL and REPLY, both linked in the table once confirmed.
 */
export class TupleHash extends Tuple {
  /** Next entry in the same bucket's chain. */
  next: TupleHash | null = null;
  readonly ct: Conn;

  constructor(ct: Conn, dir: number) {
    super();
    this.ct = ct;
    this.dir = dir;
  }
}

/**
 * struct nf_conn. One stable shape for every protocol: per-protocol state lives in
 * `proto` (owned by the l4 module), extensions in `ext` indexed by NF_CT_EXT_*.
 */
export class Conn {
  readonly tuplehash: readonly [TupleHash, TupleHash];
  /** IPS_* bits. */
  status = 0;
  /** Jiffies: relative while unconfirmed, the absolute deadline once confirmed. */
  timeout = 0;
  mark = 0;
  secmark = 0;
  /** Conntrack zone id (both directions). */
  zone = 0;
  /** 32-bit id, stable for the conn's life (`-o id`). */
  id = 0;
  /** Raw ORIGINAL hash saved at lookup and reused at confirm. */
  hashOrig = 0;
  /** The conn that expected this one (EXPECTED). */
  master: Conn | null = null;
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
    this.net = net;
    this.l4proto = l4proto;
    this.tuplehash = [new TupleHash(this, IP_CT_DIR_ORIGINAL), new TupleHash(this, IP_CT_DIR_REPLY)];
  }

  /** ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple */
  get orig(): TupleHash {
    return this.tuplehash[0];
  }
  /** ct->tuplehash[IP_CT_DIR_REPLY].tuple */
  get reply(): TupleHash {
    return this.tuplehash[1];
  }
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
