import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CtModule } from '@ctrack/core';
import { defragModule } from '@ctrack/defrag';
import { ecacheModule } from '@ctrack/ecache';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import { UsageError } from '../usage-error.js';

/**
 * What a replay loads before any --module, in load order: IPv4, the TCP, UDP and ICMP
 * trackers, the event cache (listeners and the conntrack -E formats), and IPv4
 * reassembly before conntrack (nf_defrag_ipv4: fragments come back as whole datagrams).
 */
export const STANDARD_MODULES: readonly CtModule[] = [
  ipv4Module,
  tcpModule,
  udpModule,
  icmpModule,
  ecacheModule,
  defragModule,
];

export function isCtModule(x: unknown): x is CtModule {
  const m = x as CtModule | null;
  return typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.init === 'function';
}

/**
 * `--module PATH`: an ESM file (a path) or a package name whose default or `module`
 * export is a CtModule.
 */
export async function loadThirdParty(spec: string): Promise<CtModule> {
  const isPath = spec.startsWith('.') || spec.startsWith('/') || /\.[cm]?js$|\.ts$/.test(spec);
  const target = isPath ? pathToFileURL(resolve(spec)).href : spec;
  let ns: Record<string, unknown>;
  try {
    ns = (await import(target)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--module ${spec}: cannot load it (${(e as Error).message.split('\n')[0]})`);
  }
  const m = isCtModule(ns.default) ? ns.default : ns.module;
  if (!isCtModule(m)) {
    throw new UsageError(
      `--module ${spec}: exports no CtModule (need a default or "module" export with name and init)`,
    );
  }
  return m;
}
