import { performance } from 'node:perf_hooks';
import type { Kernel, Netns, VirtualClock } from '@ctrack/core';
import { formatSecUs } from '@ctrack/ecache';
import { CaptureError } from '../capture/errors.js';
import type { RecordSink } from '../capture/record.js';
import {
  type CaptureInput,
  CaptureOpenError,
  inputSize,
  isStdinName,
  openCaptureFile,
  readCapture,
} from '../capture/source.js';
import { drained } from '../commands/io.js';
import { CliError, UsageError } from '../usage-error.js';
import { parseLocal, parseUntil } from './args.js';
import { captureHints, formatSummary, type ReplayCounters } from './counters.js';
import { ConnFilter } from './filter.js';
import { ModuleError, moduleOfError } from './module-error.js';
import { outputFormat, type ReplayOptions } from './options.js';
import { Output } from './output.js';
import { PathClassifier } from './paths.js';
import {
  printCount,
  printEvents,
  printExpectations,
  printList,
  printStats,
  printStatsExpect,
} from './printers.js';
import { Progress, wantProgress } from './progress.js';
import { Replayer } from './replayer.js';
import { createReplayNet, type LoadedKernel, loadKernel } from './setup.js';

export interface ReplayResult {
  /**
   * 0 = fine; 1 = the replay ended early: the capture was truncated or corrupt, or a
   * module's hook threw (everything before it was processed and printed).
   */
  exitCode: number;
  counters: ReplayCounters;
  /** Conns in the table at the end. */
  flows: number;
  error: CaptureError | ModuleError | null;
  kernel: Kernel;
  net: Netns;
}

/**
 * Replay a capture through a fresh tracker and print what conntrack-tools would:
 * events as they happen, then the table, expectations and statistics. Usage and
 * setup errors throw (UsageError: exit 2); a corrupt capture ends the replay early
 * with its message on stderr and exit code 1, after printing everything up to it.
 */
export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const writeOut = o.stdout ?? ((t: string) => process.stdout.write(t));
  const stdoutDrained = o.stdoutDrained ?? (o.stdout === undefined ? () => drained(process.stdout) : null);
  const writeErr = o.stderr ?? ((t: string) => void process.stderr.write(t));
  const fmt = outputFormat(o.format);
  const json = o.json ?? false;
  const paths = new PathClassifier((o.local ?? []).map(parseLocal));
  const f = new ConnFilter(o.filter ?? {});
  const filter = f.empty ? null : f;
  if (o.until !== undefined) {
    if (o.drain)
      throw new UsageError('--until and --drain: choose one (--drain runs until the table is empty)');
    parseUntil(o.until, 0); // its syntax, before any output
  }
  const lk = await loadKernel({
    modules: o.modules ?? [],
    helpers: o.helpers ?? [],
    cwd: o.cwd ?? process.cwd(),
    trace: o.trace ?? false,
    log: (l) => writeErr(`kernel: ${l}\n`),
  });
  const { net, clock } = createReplayNet(lk.kernel, {
    ...(o.sysctl !== undefined ? { sysctl: o.sysctl } : {}),
    ...seeds(o),
  });
  // Open a named file before anything is printed: a missing one is one message, not an
  // empty replay with a summary and "0 flow entries have been shown".
  const input = await openInput(o.input);
  const out = new Output(writeOut);
  const replayer = new Replayer(net, clock, paths, out, lk.probe, json);
  const counters = replayer.counters;
  const unsubscribe = o.events ? printEvents(net, out, fmt, json, counters, filter) : null;

  const t0 = performance.now();
  let error: CaptureError | ModuleError | null;
  try {
    error = await readAll(
      o,
      input,
      moduleErrors(replayer, lk),
      () => counters.packets,
      out,
      stdoutDrained,
      writeErr,
    );
  } catch (e) {
    // A module's exception: what was processed before it is still printed.
    out.flush();
    throw e;
  }
  if (o.drain) net.drain();
  if (o.until !== undefined) runUntil(net, clock, o.until, writeErr);
  const elapsed = performance.now() - t0;

  if (o.list) printList(net, out, fmt, json, writeErr, filter);
  if (o.listExpect) printExpectations(net, out, json, writeErr);
  if (o.stats) printStats(net, out, json);
  if (o.statsExpect) printStatsExpect(net, out, json);
  if (o.count) printCount(net, out, json, filter);
  out.flush();
  unsubscribe?.();
  if (error !== null) writeErr(`ctrack: ${error.message}\n`);
  const flows = countFlows(net);
  writeErr(`${formatSummary(counters, flows, elapsed)}\n`);
  for (const h of captureHints(counters, net.sysctl.get('nf_conntrack_checksum') !== 0)) writeErr(`${h}\n`);
  return { exitCode: error === null ? 0 : 1, counters, flows, error, kernel: lk.kernel, net };
}

/** --seed N sets both seeds unless one is given on its own. */
export function seeds(o: ReplayOptions): { hashSeed?: number; idSeed?: number } {
  const hashSeed = o.hashSeed ?? o.seed;
  const idSeed = o.idSeed ?? o.seed;
  return {
    ...(hashSeed !== undefined ? { hashSeed } : {}),
    ...(idSeed !== undefined ? { idSeed } : {}),
  };
}

/**
 * --until: the clock runs on from the last packet to the given time and every timer due
 * by then fires (conns expire with their DESTROY events, expectations and fragment
 * queues time out), so the table is shown as it stood at that moment.
 */
function runUntil(net: Netns, clock: VirtualClock, until: string, writeErr: (t: string) => void): void {
  const now = clock.nowUs();
  const target = parseUntil(until, now);
  if (target < now) {
    writeErr(
      `ctrack: --until ${until} is before the last packet (${formatSecUs(now)}): the table is shown as of the last packet\n`,
    );
    return;
  }
  clock.set(target);
  net.syncClock();
}

/**
 * `net.conns().length` without building the array: every confirmed conn once, counted
 * by its ORIGINAL tuplehash in the table's chains (what `conns()` yields).
 */
function countFlows(net: Netns): number {
  const heads = net.table.heads;
  let n = 0;
  for (let b = 0; b < heads.length; b++) {
    for (let h = heads[b] ?? null; h !== null; h = h.next) if (h.dir === 0) n++;
  }
  return n;
}

/** A path (not "-") opened as a CaptureFile; an unopenable one is a CliError (exit 1). */
export async function openInput(input: CaptureInput): Promise<CaptureInput> {
  if (typeof input !== 'string' || isStdinName(input)) return input;
  try {
    return await openCaptureFile(input);
  } catch (e) {
    if (e instanceof CaptureOpenError) throw new CliError(e.message, 1);
    throw e;
  }
}

/**
 * The replayer's sink, with an exception from a module's code (a hook, a helper, a
 * tracker) turned into that module's ModuleError naming the packet: it ends the replay
 * like a corrupt capture does, but is never reported as a capture read error.
 */
function moduleErrors(r: Replayer, lk: LoadedKernel): RecordSink {
  const sink = r.onRecord;
  return (rec) => {
    try {
      sink(rec);
    } catch (e) {
      if (e instanceof ModuleError) throw e;
      const name = moduleOfError(e, lk.origins.thirdParty, lk.origins.bundled) ?? 'unknown';
      throw new ModuleError(name, e, ` (packet ${rec.index} at offset ${rec.fileOffset})`);
    }
  };
}

/**
 * Read the whole capture into `sink`; a CaptureError or a hook's ModuleError is
 * returned (the replay still finishes its output). `packets` feeds the progress line.
 */
export async function readAll(
  o: ReplayOptions,
  input: CaptureInput,
  sink: RecordSink,
  packets: () => number,
  out: Output,
  stdoutDrained: (() => Promise<void> | null) | null,
  writeErr: (t: string) => void,
): Promise<CaptureError | ModuleError | null> {
  const size = inputSize(input);
  const progress = wantProgress(o.progress ?? 'auto', size) ? new Progress(size ?? 0, writeErr) : null;
  // After each chunk: hand the chunk's lines to stdout, then wait while stdout is full,
  // so the buffered output stays within about one chunk's worth whatever the capture size.
  const onChunk = (bytes: number): Promise<void> | null => {
    progress?.update(bytes, packets());
    out.flush();
    return stdoutDrained?.() ?? null;
  };
  const opts = {
    ...(o.inputName !== undefined ? { name: o.inputName } : {}),
    ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
    onChunk,
  };
  try {
    await readCapture(input, sink, opts);
    return null;
  } catch (e) {
    if (e instanceof CaptureError || e instanceof ModuleError) return e;
    throw e;
  } finally {
    progress?.done();
  }
}
