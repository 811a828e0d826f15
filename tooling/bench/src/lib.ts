import os from 'node:os';
import { Kernel, type Netns, VirtualClock } from '@ctrack/core';
import { ecacheModule } from '@ctrack/ecache';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function stats(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

export const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export function machine(): string {
  const cpus = os.cpus();
  return `node ${process.version} (V8 ${process.versions.v8}) on ${os.platform()} ${os.arch()}, ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} vCPU, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`;
}

/** One result line (JSON) as the runner collects it. */
export interface Result {
  name: string;
  unit: string;
  values: number[];
  /** Higher is better (rates) or lower (bytes, ms). */
  better: 'higher' | 'lower';
  note?: string;
}

export function emit(r: Result): void {
  process.stdout.write(`@@RESULT ${JSON.stringify(r)}\n`);
}

export interface NetOptions {
  ecache?: boolean;
  buckets?: number;
  max?: number;
}

/** A kernel with IPv4, TCP, UDP, ICMP (and ecache) loaded, one netns on a virtual clock. */
export function setupNet(o: NetOptions = {}): { kernel: Kernel; net: Netns; clock: VirtualClock } {
  const kernel = new Kernel();
  kernel.loadAll(
    o.ecache
      ? [ipv4Module, tcpModule, udpModule, icmpModule, ecacheModule]
      : [ipv4Module, tcpModule, udpModule, icmpModule],
  );
  const clock = new VirtualClock(1_795_250_780_000_000);
  const net = kernel.createNetns({ clock, hashSeed: 0x12345, idSeed: 1 });
  if (o.buckets !== undefined) net.sysctl.set('nf_conntrack_buckets', o.buckets);
  if (o.max !== undefined) net.sysctl.set('nf_conntrack_max', o.max);
  return { kernel, net, clock };
}

export const gc = (globalThis as { gc?: () => void }).gc;
