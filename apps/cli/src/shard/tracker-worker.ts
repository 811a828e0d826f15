/**
 * One worker of a sharded replay: a whole tracker (every module the replay loads) fed
 * the records whose flows hash to it, and a clock tick at every other record that
 * starts a new jiffy, so its timers fire where one tracker's would. Its lines go back
 * keyed for the merge (keyed-output.ts).
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { CONNTRACK_S_FIELDS, type Netns } from '@ctrack/core';
import { nfCtExpectations } from '@ctrack/expect';
import { CaptureRecord } from '../capture/record.js';
import { parseLocal } from '../replay/args.js';
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
  if (cfg.events) printEvents(net, out, cfg.format, cfg.json, replayer.counters);
  const rec = new CaptureRecord();
  return (m) => (m.type === 'round' ? round(m, net, replayer, rec) : finish(m, net, replayer));
}

/** At record `index`'s time: fire what is due (the time phase). */
function tick(net: Netns, r: Replayer, index: number, tsUs: number): void {
  out.index = err.index = index;
  out.phase = err.phase = PHASE_TIME;
  r.advance(tsUs);
  net.syncClock();
}

function round(m: RoundRequest, net: Netns, r: Replayer, rec: CaptureRecord): void {
  const rd = new BatchReader(m.buffer, m.used);
  while (rd.next()) {
    tick(net, r, rd.index, rd.tsUs);
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

function finish(m: FinishRequest, net: Netns, r: Replayer): void {
  out.index = err.index = END_INDEX;
  out.phase = err.phase = PHASE_TIME;
  if (m.drain) net.drain();
  const list: ListEntry[] = [];
  if (m.list) {
    const t = net.table;
    for (const ct of net.conns())
      list.push({
        bucket: t.bucket(t.rawHash(ct, ct.zone)),
        seq: ct.seq,
        text: conntrackLine(ct, cfg.format, cfg.json),
      });
  }
  const expect: ExpectEntry[] = [];
  if (m.listExpect)
    for (const e of nfCtExpectations(net))
      expect.push({ timeout: e.timeout, masterSeq: e.master.seq, seq: e.seq, text: expectLine(net, e, cfg.json) });
  const stats: Record<string, number> = {};
  for (const f of CONNTRACK_S_FIELDS) stats[f] = net.stats[f];
  send({
    type: 'finished',
    worker: cfg.worker,
    out: out.take(),
    err: err.take(),
    list,
    expect,
    stats,
    counters: { ...r.counters },
    flows: list.length > 0 ? list.length : countFlows(net),
  });
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
