/**
 * Per-netns conntrack statistics (docs/core.md §15), counted as 6.18 counts them and
 * printed by `conntrack -S` in this order (docs/formats.md §4).
 */
export class Stats {
  found = 0;
  invalid = 0;
  insert = 0;
  insert_failed = 0;
  drop = 0;
  early_drop = 0;
  error = 0;
  search_restart = 0;
  clash_resolve = 0;
  chaintoolong = 0;
  /** Shown by /proc/net/stat/nf_conntrack only. */
  expect_new = 0;
  expect_create = 0;
  expect_delete = 0;
}

/** The counters `conntrack -S` prints on 6.18, in its order. */
export const CONNTRACK_S_FIELDS = [
  'found',
  'invalid',
  'insert',
  'insert_failed',
  'drop',
  'early_drop',
  'error',
  'search_restart',
  'clash_resolve',
  'chaintoolong',
] as const;
