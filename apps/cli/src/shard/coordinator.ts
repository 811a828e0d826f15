/**
 * The main thread of a sharded replay: reads the capture, sends each record to the
 * worker its flow hashes to (flow-hash.ts) and a clock tick to every other worker at
 * each new jiffy, in rounds of shared-memory slots (batch.ts); merges the workers'
 * keyed lines back into one tracker's order (keyed-output.ts), round by round.
 */
import { Worker } from 'node:worker_threads';
import { US_PER_JIFFY } from '@ctrack/core';
import type { CaptureRecord } from '../capture/record.js';
import { parseLocal } from '../replay/args.js';
import { PathClassifier } from '../replay/paths.js';
import { CliError } from '../usage-error.js';
import { BatchWriter, entryBytes, SLOT_BYTES } from './batch.js';
import { type KeyedLines, mergeKeyed } from './keyed-output.js';
import type { Finished, FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { SyncPoints } from './sync-points.js';

/** Slots per worker: rounds in flight while the main thread reads ahead. */
const SLOTS = 4;
/** Index of the failure flag after the slot flags. */
const FAILED = SLOTS;
/** How long one wait for a slot blocks before the failure flag is checked again. */
const WAIT_MS = 50;

/**
 * The worker's script: beside this module once built. Run from its TypeScript source
 * (the workspace's tests resolve packages to src/), the built one in dist/ is used: a
 * worker thread starts plain Node, which cannot load .ts files.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/shard/worker.js', here) : new URL('./worker.js', here);
}

/**
 * The process's Node flags, less export conditions: a worker runs the built JavaScript,
 * so a condition that resolves workspace packages to their TypeScript sources (tests)
 * must not reach it.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=')) out.push(a);
  }
  return out;
}

interface Shard {
  worker: Worker;
  slots: SharedArrayBuffer[];
  /** Slot flags (1 = the worker holds it) and the failure flag, shared with the worker. */
  busy: Int32Array;
  writer: BatchWriter;
  slot: number;
}

export interface ShardSinks {
  /** Merged stdout lines, in one tracker's order. */
  line(text: string): void;
  /** Merged stderr text (kernel log lines), in one tracker's order. */
  err(text: string): void;
}

export class ShardCoordinator {
  private readonly shards: Shard[];
  /** Records read so far (the progress line). */
  records = 0;
  /** The last record's time. */
  lastTsUs = 0;
  /** The time of the last record at which one tracker read its clock. */
  lastSyncUs = Number.NaN;
  private round = 0;
  private merged = 0;
  private readonly pending = new Map<number, { out: KeyedLines[]; err: KeyedLines[]; n: number }>();
  private readonly finished: Finished[] = [];
  private lastJiffy = Number.NaN;
  private failure: CliError | null = null;
  private finishWaiter: (() => void) | null = null;

  private sync: SyncPoints | null = null;
  private readonly local: PathClassifier;
  private readonly trace: boolean;
  private readyWaiter: ((families: number[]) => void) | null = null;

  constructor(
    config: Omit<WorkerConfig, 'worker' | 'busy'>,
    workers: number,
    private readonly sinks: ShardSinks,
  ) {
    this.local = new PathClassifier(config.local.map(parseLocal));
    this.trace = config.trace;
    const url = workerUrl();
    this.shards = [];
    for (let w = 0; w < workers; w++) {
      const busy = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 1)));
      const slots = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
      const worker = new Worker(url, {
        workerData: { ...config, worker: w, busy } satisfies WorkerConfig,
        execArgv: workerExecArgv(),
      });
      worker.on('message', (m: FromWorker) => this.onMessage(m));
      worker.on('error', (e) => this.fail(new CliError(`replay worker ${w}: ${e.message}`)));
      this.shards.push({ worker, slots, busy, writer: new BatchWriter(slots[0]!), slot: 0 });
    }
  }

  /** The capture reader's sink: route the record, tick the other workers at a new jiffy. */
  readonly onRecord = (rec: CaptureRecord): void => {
    this.records++;
    this.lastTsUs = rec.tsUs;
    const n = this.shards.length;
    // Other workers fire their timers where one tracker would: at a clock read in a new jiffy.
    const sync = this.sync!.at(rec);
    const owner = this.sync!.owner;
    const jiffy = Math.floor(rec.tsUs / US_PER_JIFFY);
    // The first record starts every worker's clock (one tracker's starts there too).
    const tick = this.records === 1 || (sync && jiffy !== this.lastJiffy);
    if (sync) this.lastSyncUs = rec.tsUs;
    if (!this.roomFor(owner, rec.caplen, tick)) this.flushRound();
    const w = this.shards[owner]!.writer;
    if (!w.fits(rec.caplen)) this.growSlot(owner, entryBytes(rec.caplen));
    if (tick) {
      if (sync) this.lastJiffy = jiffy;
      for (let i = 0; i < n; i++) if (i !== owner) this.shards[i]!.writer.tick(rec.index, rec.tsUs, sync);
    }
    w.record(rec.index, rec.tsUs, rec.linktype, rec.data, rec.offset, rec.caplen, sync);
  };

  /** Room in this round for the record at its owner and a tick at every other worker? */
  private roomFor(owner: number, caplen: number, tick: boolean): boolean {
    for (let i = 0; i < this.shards.length; i++) {
      const w = this.shards[i]!.writer;
      if (i === owner ? !w.fits(caplen) : tick && !w.fits(0)) return false;
    }
    return true;
  }

  /** A record larger than a slot gets a slot of its own size (only that round). */
  private growSlot(owner: number, need: number): void {
    const s = this.shards[owner]!;
    const big = new SharedArrayBuffer(need);
    s.slots[s.slot] = big;
    s.writer.reset(big);
  }

  /** Hand every worker its slot of this round; then wait for the next slots to be free. */
  flushRound(): void {
    const round = this.round++;
    for (const s of this.shards) {
      Atomics.store(s.busy, s.slot, 1);
      const m: ToWorker = {
        type: 'round',
        round,
        slot: s.slot,
        buffer: s.slots[s.slot]!,
        used: s.writer.used,
      };
      s.worker.postMessage(m);
    }
    for (const s of this.shards) {
      s.slot = (s.slot + 1) % SLOTS;
      this.waitSlot(s);
      s.writer.reset(s.slots[s.slot]!);
    }
  }

  /**
   * Block until the worker has read the slot (the capture reader's sink is synchronous:
   * this is the backpressure). A worker that failed sets its flag instead.
   */
  private waitSlot(s: Shard): void {
    while (Atomics.load(s.busy, s.slot) !== 0) {
      if (Atomics.load(s.busy, FAILED) !== 0) throw new CliError('a replay worker failed');
      Atomics.wait(s.busy, s.slot, 1, WAIT_MS);
    }
  }

  /**
   * Wait until the workers have loaded their modules (the families they track decide
   * where one tracker reads its clock); a worker that cannot load them throws here.
   */
  async ready(): Promise<void> {
    const families = await new Promise<number[]>((resolve) => {
      this.readyWaiter = resolve;
      if (this.failure !== null) resolve([]);
    });
    if (this.failure !== null) throw this.failure;
    this.sync = new SyncPoints(this.local, this.trace, families, this.shards.length);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') {
      this.readyWaiter?.(m.families);
      this.readyWaiter = null;
      return;
    }
    if (m.type === 'failed') {
      this.fail(new CliError(m.message, m.usage ? 2 : 1));
      return;
    }
    if (m.type === 'finished') {
      this.finished[m.worker] = m;
      if (this.finished.filter(Boolean).length === this.shards.length) this.finishWaiter?.();
      return;
    }
    let p = this.pending.get(m.round);
    if (!p) {
      p = { out: [], err: [], n: 0 };
      this.pending.set(m.round, p);
    }
    p.out[m.worker] = m.out;
    p.err[m.worker] = m.err;
    p.n++;
    this.mergeReady();
  }

  /** Merge rounds in order as soon as every worker has sent its part. */
  private mergeReady(): void {
    for (;;) {
      const p = this.pending.get(this.merged);
      if (!p || p.n < this.shards.length) return;
      this.pending.delete(this.merged++);
      mergeKeyed(p.out, this.sinks.line);
      mergeKeyed(p.err, this.sinks.err);
    }
  }

  private fail(e: CliError): void {
    this.failure ??= e;
    this.finishWaiter?.();
    this.readyWaiter?.([]);
  }

  /** Send the last round, let every worker finish (drain, list), and collect what they report. */
  async finish(req: Omit<Extract<ToWorker, { type: 'finish' }>, 'type'>): Promise<Finished[]> {
    if (this.failure === null) this.flushRound();
    const done = new Promise<void>((resolve) => {
      this.finishWaiter = resolve;
    });
    for (const s of this.shards) s.worker.postMessage({ type: 'finish', ...req } satisfies ToWorker);
    if (this.failure === null) await done;
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
    if (this.failure !== null) throw this.failure;
    mergeKeyed(
      this.finished.map((f) => f.out),
      this.sinks.line,
    );
    mergeKeyed(
      this.finished.map((f) => f.err),
      this.sinks.err,
    );
    return this.finished;
  }

  /** Stop the workers without waiting for their output (an error ended the replay). */
  async abort(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }
}
