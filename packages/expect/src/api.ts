import { type Conn, CtError, type Netns, type Tuple } from '@ctrack/core';
import type { NfConntrackExpect } from './expectation.js';
import { EXPECT_TABLE, type ExpectTableService } from './tokens.js';

/** The expectation table of `net`; ENOENT when nf_conntrack_expect is not loaded there. */
export function expectTable(net: Netns): ExpectTableService {
  const t = net.find(EXPECT_TABLE);
  if (t === undefined) throw new CtError('ENOENT', 'nf_conntrack_expect is not loaded in this netns');
  return t;
}

/**
 * nf_ct_expect_related_report: insert `exp` into its master's netns table (docs/expect.md §3).
 * Returns 0, or a negated errno: -ESHUTDOWN (master has no helper extension),
 * -EALREADY (an identical one of another class), -EBUSY (clash), -EMFILE (over
 * max_expected after eviction, or nf_conntrack_expect_max). IPEXP_NEW is sent on success.
 */
export function nfCtExpectRelatedReport(
  exp: NfConntrackExpect,
  portid: number,
  report: number,
  flags = 0,
): number {
  return expectTable(exp.master.net).related(exp, portid, report, flags);
}

/** nf_ct_expect_related(exp, flags) */
export function nfCtExpectRelated(exp: NfConntrackExpect, flags = 0): number {
  return nfCtExpectRelatedReport(exp, 0, 0, flags);
}

/** nf_ct_unexpect_related / nf_ct_remove_expect: remove a linked expectation (IPEXP_DESTROY). */
export function nfCtUnexpectRelated(exp: NfConntrackExpect): boolean {
  return expectTable(exp.master.net).remove(exp);
}

/** __nf_ct_expect_find: the expectation a conn with ORIGINAL tuple `t` in `zone` would match (INACTIVE included). */
export function nfCtExpectFind(net: Netns, zone: number, t: Tuple): NfConntrackExpect | null {
  return expectTable(net).lookup(t, zone, false);
}

/** Every expectation of `net` (`conntrack -L expect`); empty when the module is not loaded. */
export function nfCtExpectations(net: Netns): NfConntrackExpect[] {
  return net.find(EXPECT_TABLE)?.list() ?? [];
}

/** The expectations `master` created, newest first. */
export function nfCtExpectationsOf(master: Conn): readonly NfConntrackExpect[] {
  return master.net.find(EXPECT_TABLE)?.expectationsOf(master) ?? [];
}

/** `conntrack -F expect`: remove every expectation of `net` (IPEXP_DESTROY each). */
export function nfCtExpectFlush(net: Netns, portid = 0, report = 0): number {
  return expectTable(net).flush(portid, report);
}
