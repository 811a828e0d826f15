/**
 * ctrack benchmark (docs/architecture.md "Measure before and after"). Not a test: prints numbers.
 *
 *   established  lookups/s of established generic-proto (253) packets through
 *                net.input() with one reused Skb and receive buffer, and the young
 *                generation growth per packet (0 = allocation-free).
 *   memory       heap bytes per connection with 1M confirmed conns (heap after gc(),
 *                minus the empty-kernel baseline, divided by the count).
 *
 * Run with `node --expose-gc` (see README.md). Every figure is the median of several runs
 * with min..max.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Kernel, NF_ACCEPT, Skb, VirtualClock } from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { ipv4Module } from '@ctrack/l3-ipv4';

const gc = (globalThis as { gc?: () => void }).gc;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PACKETS = Number(process.env.BENCH_PACKETS ?? 2_000_000);
const CONNS = Number(process.env.BENCH_CONNS ?? 1_000_000);

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const newSpaceUsed = () =>
  v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!.space_used_size;

function setup(buckets: number) {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(1_700_000_000_000_000);
  const net = kernel.createNetns({ clock, hashSeed: 0x12345 });
  net.sysctl.set('nf_conntrack_buckets', buckets);
  net.sysctl.set('nf_conntrack_max', 0);
  return { kernel, clock, net };
}

/** Established path: `others` background conns, one hot conn, both directions alternating. */
function established(others: number): { pps: number; bytesPerPkt: number } {
  const { clock, net } = setup(262144);
  const skb = new Skb();
  const buf = new Uint8Array(2048);
  const load = (p: Uint8Array) => {
    for (let j = 0; j < p.length; j++) buf[j] = p[j]!;
    return skb.set(buf, 0, p.length, 0);
  };
  for (let i = 0; i < others; i++) {
    net.input(load(ipv4({ src: 0xc6130000 + i, dst: '198.18.0.2', proto: 253, payload: new Uint8Array(8) })));
  }
  const a = ipv4({ src: '198.18.0.1', dst: '198.18.0.2', proto: 253, payload: new Uint8Array(8) });
  const b = ipv4({ src: '198.18.0.2', dst: '198.18.0.1', proto: 253, payload: new Uint8Array(8) });
  const run = (n: number): number => {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      clock.advance(1);
      const p = (i & 1) === 0 ? a : b;
      for (let j = 0; j < p.length; j++) buf[j] = p[j]!;
      skb.set(buf, 0, p.length, 0);
      if (net.input(skb) === NF_ACCEPT) ok++;
    }
    return ok;
  };
  run(200_000);
  // allocation: median young-generation growth over 11 chunks of 100k packets
  const growth: number[] = [];
  for (let c = 0; c < 11; c++) {
    const before = newSpaceUsed();
    run(100_000);
    growth.push(newSpaceUsed() - before);
  }
  const t0 = performance.now();
  const ok = run(PACKETS);
  const ms = performance.now() - t0;
  if (ok !== PACKETS || net.count !== others + 1)
    throw new Error(`unexpected: ${ok} accepted, count ${net.count}`);
  return { pps: (PACKETS / ms) * 1000, bytesPerPkt: stats(growth).median / 100_000 };
}

/** Heap bytes per confirmed conn with `n` conns (generic proto, distinct sources). */
function bytesPerConn(n: number): number {
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  const { net } = setup(n); // buckets = conns, as the kernel sizes max = buckets
  const skb = new Skb();
  const p = ipv4({ src: '10.0.0.0', dst: '198.18.0.2', proto: 253, payload: new Uint8Array(8) });
  const view = new DataView(p.buffer);
  for (let i = 0; i < n; i++) {
    view.setUint32(12, 0x0a000000 + i);
    net.input(skb.set(p, 0, p.length, 0));
  }
  if (net.count !== n) throw new Error(`count ${net.count} != ${n}`);
  gc();
  gc();
  const used = process.memoryUsage().heapUsed - base;
  // keep `net` alive until measured
  if (net.conns.length < 0) console.log(net);
  return used / n;
}

function main(): void {
  const cpus = os.cpus();
  console.log(`node ${process.version} (V8 ${process.versions.v8}) on ${os.platform()} ${os.arch()}`);
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`,
  );
  console.log(`runs: ${RUNS}, packets per run: ${fmt(PACKETS)}, conns for memory: ${fmt(CONNS)}\n`);

  for (const others of [0, 100_000]) {
    const pps: number[] = [];
    const bpp: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const x = established(others);
      pps.push(x.pps);
      bpp.push(x.bytesPerPkt);
    }
    const s = stats(pps);
    const m = stats(bpp);
    console.log(
      `established lookups/s (${fmt(others)} other conns): median ${fmt(s.median)}  [${fmt(s.min)} .. ${fmt(s.max)}]`,
    );
    console.log(
      `  young-gen growth per packet: median ${fmt(m.median, 2)} B  [${fmt(m.min, 2)} .. ${fmt(m.max, 2)}]`,
    );
  }

  const bpc: number[] = [];
  const memRuns = Math.max(1, Math.min(RUNS, 3));
  for (let r = 0; r < memRuns; r++) bpc.push(bytesPerConn(CONNS));
  const c = stats(bpc);
  console.log(
    `\nbytes per connection at ${fmt(CONNS)} conns: median ${fmt(c.median, 1)}  [${fmt(c.min, 1)} .. ${fmt(c.max, 1)}] (${memRuns} runs)`,
  );
}

main();
