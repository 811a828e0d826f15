import { type Conn, type Expectation, type Helper, NFPROTO_IPV4, Tuple } from '@ctrack/core';

/** Expectation flags (NF_CT_EXPECT_*). */
export const NF_CT_EXPECT_PERMANENT = 0x1;
export const NF_CT_EXPECT_INACTIVE = 0x2;
export const NF_CT_EXPECT_USERSPACE = 0x4;

/** Flags of nf_ct_expect_related_report (NF_CT_EXP_F_*). */
export const NF_CT_EXP_F_SKIP_MASTER = 0x1;

/** NF_CT_EXPECT_CLASS_DEFAULT */
export const NF_CT_EXPECT_CLASS_DEFAULT = 0;

/**
 * What nf_ct_expect_related returns: 0, or a negated Linux errno (as the kernel does;
 * a helper usually only tests `!== 0`).
 */
export const ESHUTDOWN = 108;
export const EALREADY = 114;
export const EBUSY = 16;
export const EMFILE = 24;

/** expectfn(new_ct, exp): run on the new conn after it matched (NAT helpers). */
export type ExpectFn = (ct: Conn, exp: NfConntrackExpect) => void;

/**
 * struct nf_conntrack_expect (docs/expect.md §1). Made by `nfCtExpectAlloc(master)`,
 * filled by `nfCtExpectInit`, inserted by `nfCtExpectRelated`.
 *
 * - `tuple`: what the expected conn's ORIGINAL tuple must be (addresses int32 as in
 *   every ctrack tuple; `dir` 0).
 * - `mask`: only `src` (all-ones -1 or 0 for IPv4) and `sport` (0xffff or 0) are used;
 *   destination, protonum and l3num always compare exactly.
 * - `timeout`: the deadline in jiffies of the master's netns (set at insert from the
 *   helper's policy; for an expectation whose master has no helper, set it before
 *   inserting, as ctnetlink does).
 */
export class NfConntrackExpect implements Expectation {
  readonly tuple = new Tuple();
  readonly mask = new Tuple();
  readonly master: Conn;
  /** Helper given to the expected conn (not the master's; FTP leaves it null). */
  helper: Helper | null = null;
  expectfn: ExpectFn | null = null;
  class = 0;
  flags = 0;
  /** Deadline in jiffies (master's netns). */
  timeout = 0;
  /** Refcount (1 for the creator, +1 hash, +1 timer). Informational. */
  use = 1;
  /** NAT only (kept for completeness). */
  dir = 0;
  savedAddr = 0;
  savedProto = 0;

  /** Table bookkeeping (owned by ExpectTable). */
  /** @internal linked in the table (the timer is pending). */
  linked = false;
  /** @internal index in the timer heap, -1 when not armed. */
  heapIndex = -1;
  /** @internal insertion sequence (timer tie order). */
  seq = 0;
  /** @internal hash bucket while linked (nf_ct_expect_dst_hash of `tuple`). */
  bucket = 0;

  constructor(master: Conn) {
    this.master = master;
  }
}

/** nf_ct_expect_alloc: refcount 1, `master` set. */
export function nfCtExpectAlloc(master: Conn): NfConntrackExpect {
  return new NfConntrackExpect(master);
}

/**
 * nf_ct_expect_init (docs/expect.md §3). `saddr`/`sport` null = any source address / port
 * (mask 0). Addresses are tuple addresses (int32, or the u32 value: both are `| 0`ed).
 * Only IPv4 (family NFPROTO_IPV4) is tracked by ctrack; another family keeps the same
 * fields.
 */
export function nfCtExpectInit(
  exp: NfConntrackExpect,
  klass: number,
  family: number,
  saddr: number | null,
  daddr: number,
  proto: number,
  sport: number | null,
  dport: number,
): void {
  exp.flags = 0;
  exp.class = klass;
  exp.expectfn = null;
  exp.helper = null;
  const t = exp.tuple;
  const m = exp.mask;
  t.meta = 0;
  t.l3num = family;
  t.protonum = proto;
  m.meta = 0;
  m.l3num = family;
  m.protonum = proto;
  if (saddr !== null) {
    t.src = saddr | 0;
    m.src = -1;
  } else {
    t.src = 0;
    m.src = 0;
  }
  if (sport !== null) {
    t.sport = sport & 0xffff;
    m.sport = 0xffff;
  } else {
    t.sport = 0;
    m.sport = 0;
  }
  t.dst = daddr | 0;
  t.dport = dport & 0xffff;
  m.dst = 0;
  m.dport = 0;
  exp.savedAddr = 0;
  exp.savedProto = 0;
}

/** nf_ct_expect_put: drop the creator's reference (nothing to free in ctrack). */
export function nfCtExpectPut(exp: NfConntrackExpect): void {
  if (exp.use > 0) exp.use--;
}

/** The default family helpers use (IPv4 only in ctrack). */
export const EXPECT_FAMILY_IPV4 = NFPROTO_IPV4;
