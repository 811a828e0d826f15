import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CONNTRACK_S_FIELDS, Stats } from '@ctrack/core';
import { formatSecUs } from '@ctrack/ecache';
import type { CaptureError } from '../capture/errors.js';
import { drained } from '../commands/io.js';
import { parseUntil } from '../replay/args.js';
import { captureHints, formatSummary, ReplayCounters } from '../replay/counters.js';
import type { ModuleError } from '../replay/module-error.js';
import { outputFormat, type ReplayOptions } from '../replay/options.js';
import { Output } from '../replay/output.js';
import { printStats, printStatsExpect, TOOLS } from '../replay/printers.js';
import { openInput, readAll, seeds } from '../replay/replay.js';
import { UsageError } from '../usage-error.js';
import { ShardCoordinator } from './coordinator.js';
import type { Finished } from './protocol.js';

export interface ShardedReplayResult {
  exitCode: number;
  counters: ReplayCounters;
  flows: number;
  error: CaptureError | ModuleError | null;
}

/**
 * `ctrack replay --workers N`: the same replay with flows sharded over N worker
 * threads, printing what one tracker prints (events, trace, table, expectations,
 * counters, summary), byte for byte. What can differ is said in apps/cli/README.md
 * ("Sharded replay"): what happens when a worker's table is full, and a module's
 * exception in a hook.
 */
export async function shardedReplay(o: ReplayOptions, workers: number): Promise<ShardedReplayResult> {
  const writeOut = o.stdout ?? ((t: string) => process.stdout.write(t));
  const stdoutDrained = o.stdoutDrained ?? (o.stdout === undefined ? () => drained(process.stdout) : null);
  const writeErr = o.stderr ?? ((t: string) => void process.stderr.write(t));
  const json = o.json ?? false;
  if (o.until !== undefined) {
    if (o.drain)
      throw new UsageError('--until and --drain: choose one (--drain runs until the table is empty)');
    parseUntil(o.until, 0);
  }
  const s = seeds(o);
  const coord = new ShardCoordinator(
    {
      modules: o.modules ?? [],
      cwd: o.cwd ?? process.cwd(),
      helpers: o.helpers ?? [],
      filter: o.filter ?? {},
      sysctl: o.sysctl ?? [],
      local: o.local ?? [],
      trace: o.trace ?? false,
      events: o.events ?? false,
      json,
      format: outputFormat(o.format),
      // One hash order and one id sequence in every worker (random per replay, as one tracker's).
      hashSeed: s.hashSeed ?? randomInt(1, 0x100000000),
      idSeed: s.idSeed ?? randomInt(0, 0x100000000),
    },
    workers,
    { line: (l) => out.line(l), err: writeErr },
  );
  const out = new Output(writeOut);
  let error: CaptureError | ModuleError | null;
  let done: Finished[];
  const t0 = performance.now();
  try {
    const input = await openInput(o.input);
    await coord.ready();
    error = await readAll(o, input, coord.onRecord, () => coord.records, out, stdoutDrained, writeErr);
    done = await coord.finish({
      drain: o.drain ?? false,
      untilUs: untilTarget(o, coord.lastTsUs, writeErr),
      lastTsUs: coord.lastTsUs,
      lastSyncUs: Number.isNaN(coord.lastSyncUs) ? null : coord.lastSyncUs,
      list: o.list ?? false,
      listExpect: o.listExpect ?? false,
      count: o.count ?? false,
    });
  } catch (e) {
    out.flush();
    await coord.abort();
    throw e;
  }
  const elapsed = performance.now() - t0;
  const counters = new ReplayCounters();
  for (const f of done) counters.add(f.counters);
  const stats = { stats: sumStats(done) };
  if (o.list) printMergedList(done, out, json, writeErr);
  if (o.listExpect) printMergedExpect(done, out, json, writeErr);
  if (o.stats) printStats(stats, out, json);
  if (o.statsExpect) printStatsExpect(stats, out, json);
  if (o.count) {
    const n = done.reduce((a, f) => a + f.count, 0);
    out.line(json ? JSON.stringify({ type: 'count', count: n }) : String(n));
  }
  out.flush();
  if (error !== null) writeErr(`ctrack: ${error.message}\n`);
  const flows = done.reduce((n, f) => n + f.flows, 0);
  writeErr(`${formatSummary(counters, flows, elapsed)}\n`);
  for (const h of captureHints(counters, done[0]!.checksum !== 0)) writeErr(`${h}\n`);
  return { exitCode: error === null ? 0 : 1, counters, flows, error };
}

/** --until's time, or null; one before the last packet is said once (as one thread says it). */
function untilTarget(o: ReplayOptions, lastTsUs: number, writeErr: (t: string) => void): number | null {
  if (o.until === undefined) return null;
  const target = parseUntil(o.until, lastTsUs);
  if (target >= lastTsUs) return target;
  writeErr(
    `ctrack: --until ${o.until} is before the last packet (${formatSecUs(lastTsUs)}): the table is shown as of the last packet\n`,
  );
  return null;
}

/** One table walk's order: by bucket, and newest first within a chain (insertion at the head). */
function printMergedList(done: Finished[], out: Output, json: boolean, err: (t: string) => void): void {
  const all = done.flatMap((f) => f.list);
  all.sort((a, b) => a.bucket - b.bucket || b.seq - a.seq);
  for (const e of all) out.line(e.text);
  out.flush();
  if (!json) err(`${TOOLS}: ${all.length} flow entries have been shown.\n`);
}

/** Insertion order, as one table lists them: by deadline, then the master's and the expectation's numbers. */
function printMergedExpect(done: Finished[], out: Output, json: boolean, err: (t: string) => void): void {
  const all = done.flatMap((f) => f.expect);
  all.sort((a, b) => a.timeout - b.timeout || a.masterSeq - b.masterSeq || a.seq - b.seq);
  for (const e of all) out.line(e.text);
  out.flush();
  if (!json) err(`${TOOLS}: ${all.length} expectations have been shown.\n`);
}

/** The kernel counts per CPU and one tracker's `conntrack -S` shows one row: the sum. */
function sumStats(done: Finished[]): Stats {
  const s = new Stats();
  const keys = [...CONNTRACK_S_FIELDS, 'expect_new', 'expect_create', 'expect_delete'] as const;
  for (const f of done) for (const k of keys) s[k] += f.stats[k] ?? 0;
  return s;
}
