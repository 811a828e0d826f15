/**
 * Bounds for tests that must pass on a loaded 2-core machine (the repository README's Testing section): a property
 * test names its `numRuns` and passes this timeout to `it`, so a busy CPU stretches the
 * run but never fails it. Tests count work (runs, packets, GC passes), never measure time.
 */
export const PROPERTY_TIMEOUT_MS = 120_000;
