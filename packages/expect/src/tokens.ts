import { type Conn, defineToken, type ExpectHook, type Token, type Tuple } from '@ctrack/core';
import type { NfConntrackExpect } from './expectation.js';

/**
 * One netns' expectation table as other packages see it (a helper's
 * nfCtExpectRelated, `conntrack -L expect`): an interface, so a plugin built against
 * another copy of @ctrack/expect finds and uses the same table.
 */
export interface ExpectTableService extends ExpectHook {
  /** nf_ct_expect_related_report: 0 or a negated errno (see nfCtExpectRelatedReport). */
  related(exp: NfConntrackExpect, portid?: number, report?: number, flags?: number): number;
  /** Unlink `exp` (IPEXP_DESTROY); false when it was not linked. */
  remove(exp: NfConntrackExpect, portid?: number, report?: number): boolean;
  /** __nf_ct_expect_find (activeOnly: skip INACTIVE ones). */
  lookup(t: Tuple, zone: number, activeOnly: boolean): NfConntrackExpect | null;
  /** Every expectation, in listing order. */
  list(): NfConntrackExpect[];
  /** The expectations `ct` is master of, newest first. */
  expectationsOf(ct: Conn): readonly NfConntrackExpect[];
  /** Remove every expectation (IPEXP_DESTROY each); returns how many. */
  flush(portid?: number, report?: number): number;
  /** Drop everything without events (netns exit). */
  clear(): void;
}

/** The expectation table of a netns, provided by nf_conntrack_expect's initNet. */
export const EXPECT_TABLE: Token<ExpectTableService> = defineToken('ctrack.expect.table');
