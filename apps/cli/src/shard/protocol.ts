import { parentPort } from 'node:worker_threads';
import type { ReplayCounters } from '../replay/counters.js';
import type { FilterSpec } from '../replay/filter.js';
import type { OutputFormat } from '../replay/options.js';
import type { KeyedLines } from './keyed-output.js';

/** What every worker of a sharded replay is started with (structured-cloneable). */
export interface WorkerConfig {
  worker: number;
  modules: readonly string[];
  /** Where `modules` resolve from first (the replay's cwd). */
  cwd: string;
  helpers: readonly string[];
  /** conntrack's filters on the conn events, --list and --count. */
  filter: FilterSpec;
  sysctl: readonly string[];
  local: readonly string[];
  trace: boolean;
  events: boolean;
  json: boolean;
  format: OutputFormat;
  /** The same seeds in every worker: one hash order and one id sequence. */
  hashSeed: number;
  idSeed: number;
  /** Per slot: 1 while the worker owns it, 0 when the main thread may refill it. */
  busy: Int32Array;
}

export interface FinishRequest {
  type: 'finish';
  drain: boolean;
  /** --until: the capture time the clock runs to after the last packet, or null. */
  untilUs: number | null;
  /** The last record's time: every worker's clock ends there, as one tracker's does. */
  lastTsUs: number;
  /** The last time one tracker read its clock (its `now` for the listings), or null for none. */
  lastSyncUs: number | null;
  list: boolean;
  listExpect: boolean;
  count: boolean;
}

export interface RoundRequest {
  type: 'round';
  round: number;
  slot: number;
  buffer: SharedArrayBuffer;
  used: number;
}

export type ToWorker = RoundRequest | FinishRequest;

/** A listed conn with where one tracker's table walk would have put it. */
export interface ListEntry {
  bucket: number;
  seq: number;
  text: string;
}

/** A listed expectation with its order key (deadline, master's number, insertion). */
export interface ExpectEntry {
  timeout: number;
  masterSeq: number;
  seq: number;
  text: string;
}

/** The worker loaded its modules: the NFPROTO families with a registered l3proto. */
export interface Ready {
  type: 'ready';
  worker: number;
  families: number[];
}

export interface RoundDone {
  type: 'round';
  worker: number;
  round: number;
  out: KeyedLines;
  err: KeyedLines;
}

export interface Finished {
  type: 'finished';
  worker: number;
  out: KeyedLines;
  err: KeyedLines;
  list: ListEntry[];
  expect: ExpectEntry[];
  /** Every `conntrack -S` and `-S expect` counter. */
  stats: Record<string, number>;
  counters: ReplayCounters;
  flows: number;
  /** --count: the entries the filters pass (all of them without filters). */
  count: number;
  /** nf_conntrack_checksum, for the summary's hints. */
  checksum: number;
}

export interface WorkerFailed {
  type: 'failed';
  worker: number;
  /** The error as the CLI reports it (its message; a module's error names the module). */
  message: string;
  usage: boolean;
}

export type FromWorker = Ready | RoundDone | Finished | WorkerFailed;

/**
 * Tell the main thread this worker failed. It may be blocked waiting for a slot (and
 * so deaf to messages): the flag after the slot flags wakes it first.
 */
export function reportFailure(cfg: WorkerConfig, message: string, usage: boolean): void {
  const flag = cfg.busy.length - 1;
  Atomics.store(cfg.busy, flag, 1);
  for (let i = 0; i < cfg.busy.length; i++) Atomics.notify(cfg.busy, i);
  parentPort?.postMessage({ type: 'failed', worker: cfg.worker, message, usage } satisfies WorkerFailed);
}
