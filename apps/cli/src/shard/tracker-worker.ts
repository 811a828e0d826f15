/**
 * One worker of a sharded replay: a whole tracker (every module the replay loads) fed
 * the records whose flows hash to it, and a clock tick at every other record that
 * starts a new jiffy, so its timers fire where one tracker's would. Its lines go back
 * keyed for the merge (keyed-output.ts).
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { genericL3Proto, type Kernel, type Netns, NFPROTO_NUMPROTO, type VirtualClock } from '@ctrack/core';
import { nfCtExpectations } from '@ctrack/expect';
import { CaptureRecord } from '../capture/record.js';
import { parseLocal } from '../replay/args.js';
import { ConnFilter } from '../replay/filter.js';
import { PathClassifier } from '../replay/paths.js';
import { conntrackLine, expectLine, printEvents } from '../replay/printers.js';
import { Replayer } from '../replay/replayer.js';
import { createReplayNet, loadKernel } from '../replay/setup.js';
import { CliError, UsageError } from '../usage-error.js';
import { BatchReader, TICK } from './batch.js';
import { END_INDEX, KeyedOutput, PHASE_PACKET, PHASE_TIME } from './keyed-output.js';
import {
  type ExpectEntry,
  type FinishRequest,
  type FromWorker,
  type ListEntry,
  type RoundRequest,
  reportFailure,
  type ToWorker,
  type WorkerConfig,
} from './protocol.js';

const cfg = workerData as WorkerConfig;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);

const out = new KeyedOutput();
const err = new KeyedOutput();

async function start(): Promise<(m: ToWorker) => void> {
  const lk = await loadKernel({
    modules: cfg.modules,
    helpers: cfg.helpers,
    cwd: cfg.cwd,
    trace: cfg.trace,
    log: (l) => err.line(`kernel: ${l}\n`),
  });
  const { net, clock } = createReplayNet(lk.kernel, {
    sysctl: cfg.sysctl,
    hashSeed: cfg.hashSeed,
    idSeed: cfg.idSeed,
  });
  const paths = new PathClassifier(cfg.local.map(parseLocal));
  const replayer = new Replayer(net, clock, paths, out, lk.probe, cfg.json);
  const f = new ConnFilter(cfg.filter);
  const filter = f.empty ? null : f;
  if (cfg.events) printEvents(net, out, cfg.format, cfg.json, replayer.counters, filter);
  const rec = new CaptureRecord();
  if (cfg.worker === 0) send({ type: 'ready', worker: 0, families: trackedFamilies(lk.kernel) });
  return (m) => (m.type === 'round' ? round(m, net, replayer, rec) : finish(m, net, clock, replayer, filter));
}

/** At record `index`'s time: fire what is due (the time phase) when one tracker would. */
function tick(net: Netns, r: Replayer, index: number, tsUs: number, sync: boolean): void {
  out.index = err.index = index;
  out.phase = err.phase = PHASE_TIME;
  r.advance(tsUs);
  if (sync) net.syncClock();
}

function round(m: RoundRequest, net: Netns, r: Replayer, rec: CaptureRecord): void {
  const rd = new BatchReader(m.buffer, m.used);
  while (rd.next()) {
    tick(net, r, rd.index, rd.tsUs, rd.sync);
    if (rd.kind === TICK) continue;
    out.phase = err.phase = PHASE_PACKET;
    rec.data = rd.bytes;
    rec.offset = rd.offset;
    rec.caplen = rec.origlen = rd.caplen;
    rec.linktype = rd.linktype;
    rec.tsUs = rd.tsUs;
    rec.index = rd.index;
    r.process(rec);
  }
  // The slot's bytes are read: the main thread may refill it.
  Atomics.store(cfg.busy, m.slot, 0);
  Atomics.notify(cfg.busy, m.slot);
  send({ type: 'round', worker: cfg.worker, round: m.round, out: out.take(), err: err.take() });
}

function finish(
  m: FinishRequest,
  net: Netns,
  clock: VirtualClock,
  r: Replayer,
  filter: ConnFilter | null,
): void {
  out.index = err.index = END_INDEX;
  out.phase = err.phase = PHASE_TIME;
  // Every worker read its clock in the jiffy of the last clock read: reading it again at
  // that exact time fires nothing and leaves `now` where one tracker's is.
  if (m.lastSyncUs !== null) {
    r.advance(m.lastSyncUs);
    net.syncClock();
  }
  r.advance(m.lastTsUs);
  if (m.drain) net.drain();
  if (m.untilUs !== null) {
    clock.set(m.untilUs);
    net.syncClock();
  }
  const list: ListEntry[] = [];
  let count = 0;
  if (m.list || m.count) {
    const t = net.table;
    for (const ct of net.conns()) {
      const text = conntrackLine(ct, cfg.format, cfg.json, filter);
      if (text === null) continue;
      count++;
      if (m.list) list.push({ bucket: t.bucket(t.rawHash(ct, ct.zone)), seq: ct.seq, text });
    }
  }
  if (filter === null) count = net.count;
  const expect: ExpectEntry[] = [];
  if (m.listExpect)
    for (const e of nfCtExpectations(net))
      expect.push({
        timeout: e.timeout,
        masterSeq: e.master.seq,
        seq: e.seq,
        text: expectLine(net, e, cfg.json),
      });
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(net.stats)) stats[k] = v;
  send({
    type: 'finished',
    worker: cfg.worker,
    out: out.take(),
    err: err.take(),
    list,
    expect,
    stats,
    counters: r.counters,
    flows: countFlows(net),
    count,
    checksum: net.sysctl.get('nf_conntrack_checksum'),
  });
}

/** NFPROTO families some loaded module registered an l3proto for. */
function trackedFamilies(kernel: Kernel): number[] {
  const out: number[] = [];
  for (let f = 0; f < NFPROTO_NUMPROTO; f++) if (kernel.l3protos.find(f) !== genericL3Proto) out.push(f);
  return out;
}

function countFlows(net: Netns): number {
  let n = 0;
  for (const _ of net.table.conns()) n++;
  return n;
}

function failed(e: unknown): void {
  const usage = e instanceof UsageError;
  const message = e instanceof CliError || usage || e instanceof Error ? e.message : String(e);
  reportFailure(cfg, message, usage);
}

// Messages that arrive while the modules load wait for them, in order.
const ready = start();
port.on('message', (m: ToWorker) => {
  ready.then((handle) => handle(m)).catch(failed);
});
