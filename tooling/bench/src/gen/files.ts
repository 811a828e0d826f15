import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PcapOut } from './pcap.js';
import { fragMix, ftpMix, REALISTIC_DEFAULTS, realistic, synFlood, tableFill } from './workloads.js';

/** tooling/bench/out (gitignored): generated captures and result files. */
export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out');

export type WorkloadName = 'realistic' | 'synflood' | 'tablefill' | 'fragmix' | 'ftpmix';

export interface WorkloadArgs {
  tcp?: number;
  udp?: number;
  open?: number;
  gapUs?: number;
  /** Packets (synflood), conns (tablefill), flows (fragmix) or sessions (ftpmix). */
  n?: number;
  seed?: number;
}

export function build(name: WorkloadName, a: WorkloadArgs): PcapOut {
  const seed = a.seed ?? 1;
  switch (name) {
    case 'realistic':
      return realistic({
        tcp: a.tcp ?? REALISTIC_DEFAULTS.tcp,
        udp: a.udp ?? REALISTIC_DEFAULTS.udp,
        open: a.open ?? REALISTIC_DEFAULTS.open,
        gapUs: a.gapUs ?? REALISTIC_DEFAULTS.gapUs,
        seed,
      });
    case 'synflood':
      return synFlood(a.n ?? 1_000_000, seed);
    case 'tablefill':
      return tableFill(a.n ?? 1_000_000, seed);
    case 'fragmix':
      return fragMix(a.n ?? 50_000, seed);
    case 'ftpmix':
      return ftpMix(a.n ?? 5_000, seed);
  }
}

export function fileName(name: WorkloadName, a: WorkloadArgs): string {
  const parts = Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([k, v]) => `${k}${v}`);
  return join(OUT_DIR, `${[name, ...parts].join('-')}.pcap`);
}

/** The capture for (name, args), generated once and cached in out/. */
export function ensurePcap(name: WorkloadName, a: WorkloadArgs): string {
  const f = fileName(name, a);
  if (!existsSync(f)) {
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(f, build(name, a).bytes());
  }
  return f;
}

export function readPcap(f: string): Uint8Array {
  const b = readFileSync(f);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
