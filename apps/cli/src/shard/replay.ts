import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CONNTRACK_S_FIELDS, Stats } from '@ctrack/core';
import type { CaptureError } from '../capture/errors.js';
import { formatSummary, ReplayCounters } from '../replay/counters.js';
import { outputFormat, type ReplayOptions } from '../replay/options.js';
import { Output } from '../replay/output.js';
import { printStatsOf, TOOLS } from '../replay/printers.js';
import { readAll } from '../replay/read-all.js';
import { ShardCoordinator } from './coordinator.js';
import type { Finished } from './protocol.js';

export interface ShardedReplayResult {
  exitCode: number;
  counters: ReplayCounters;
  flows: number;
  error: CaptureError | null;
}

/**
 * `ctrack replay --workers N`: the same replay with flows sharded over N worker
 * threads, printing what one tracker prints (events, trace, table, expectations,
 * statistics), byte for byte: see README "Sharded replay" for the one thing that can
 * differ (which entry an early drop picks when the table is full).
 */
export async function shardedReplay(o: ReplayOptions, workers: number): Promise<ShardedReplayResult> {
  const writeOut = o.stdout ?? ((t: string) => void process.stdout.write(t));
  const writeErr = o.stderr ?? ((t: string) => void process.stderr.write(t));
  const json = o.json ?? false;
  const out = new Output(writeOut);
  const coord = new ShardCoordinator(
    {
      modules: o.modules ?? [],
      helpers: o.helpers ?? [],
      sysctl: o.sysctl ?? [],
      local: o.local ?? [],
      trace: o.trace ?? false,
      events: o.events ?? false,
      json,
      format: outputFormat(o.format),
      // One hash order and one id sequence for all workers (random per replay, as one tracker's).
      hashSeed: o.hashSeed ?? randomInt(1, 0x100000000),
      idSeed: o.idSeed ?? randomInt(0, 0x100000000),
    },
    workers,
    { line: (l) => out.line(l), err: writeErr },
  );
  const counters = new ReplayCounters();
  const t0 = performance.now();
  let error: CaptureError | null;
  let done: Finished[];
  try {
    error = await readAll(o, coord.onRecord, () => coord.records, writeErr);
    done = await coord.finish({
      drain: o.drain ?? false,
      list: o.list ?? false,
      listExpect: o.listExpect ?? false,
      stats: o.stats ?? false,
    });
  } catch (e) {
    out.flush();
    await coord.abort();
    throw e;
  }
  const elapsed = performance.now() - t0;
  for (const f of done) for (const k of Object.keys(counters) as (keyof ReplayCounters)[]) counters[k] += f.counters[k] ?? 0;
  if (o.list) printMergedList(done, out, json, writeErr);
  if (o.listExpect) printMergedExpect(done, out, json, writeErr);
  if (o.stats) printStatsOf(sumStats(done), out, json);
  out.flush();
  if (error !== null) writeErr(`ctrack: ${error.message}\n`);
  const flows = done.reduce((n, f) => n + f.flows, 0);
  writeErr(`${formatSummary(counters, flows, elapsed)}\n`);
  return { exitCode: error === null ? 0 : 1, counters, flows, error };
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

/** The kernel counts per CPU and `conntrack -S` of one tracker shows one row: the sum. */
function sumStats(done: Finished[]): Stats {
  const s = new Stats();
  for (const f of done) for (const k of CONNTRACK_S_FIELDS) s[k] += f.stats[k] ?? 0;
  return s;
}
