import type { Conn } from './conn.js';
import type { Helper } from './helper.js';
import type { Tuple } from './tuple.js';

/**
 * The expectation as the core sees it (struct nf_conntrack_expect, reduced). The
 * expect package owns the full object and its table; these are the fields the core
 * and helpers rely on.
 */
export interface Expectation {
  readonly tuple: Tuple;
  readonly mask: Tuple;
  readonly master: Conn;
  readonly helper: Helper | null;
  readonly class: number;
  flags: number;
  /** Deadline in jiffies. */
  timeout: number;
}

/**
 * The expectation lookup point in init_conntrack (docs/core.md §8 step 6), filled per netns
 * by @ctrack/expect. Without it no conn is ever EXPECTED.
 */
export interface ExpectHook {
  /** Expectations in this netns (init_conntrack only looks when > 0). */
  count(): number;
  /**
   * Find and take the expectation matching the new conn's ORIGINAL tuple and zone.
   * On a match: set IPS_EXPECTED, `master`, mark/secmark from the master, the helper
   * the expectation assigns, count `expect_new`, and return true.
   */
  matchNew(ct: Conn): boolean;
  /** Remove every expectation `ct` is master of (delete / destroy). */
  removeFor(ct: Conn): void;
  /** Remove the expectations created by `helper` (helper unregister). */
  removeByHelper(helper: Helper): void;
}
