import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CtModule } from '@ctrack/core';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { UsageError } from '../usage-error.js';

/** A standard module the replay loads when its package is installed. */
interface StandardModule {
  readonly pkg: string;
  readonly exportName: string;
}

/**
 * The trackers a replay loads besides IPv4, in load order. They are imported at run
 * time so the command works with whichever of them are installed (a missing tracker
 * leaves its protocol to the generic tracker, and the replay says so).
 */
export const STANDARD_MODULES: readonly StandardModule[] = [
  { pkg: '@ctrack/l4-tcp', exportName: 'tcpModule' },
  { pkg: '@ctrack/l4-udp', exportName: 'udpModule' },
  { pkg: '@ctrack/l4-icmp', exportName: 'icmpModule' },
  { pkg: '@ctrack/ecache', exportName: 'ecacheModule' },
];

/** Import a package by name; null when it is not installed or has no entry point yet. */
export async function tryImport(pkg: string): Promise<Record<string, unknown> | null> {
  try {
    // A variable specifier: the package may legitimately be absent.
    const spec: string = pkg;
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || isViteNotFound(e))
      return null;
    throw e;
  }
}

function isViteNotFound(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : '';
  return /Failed to load url|Cannot find (module|package)|does not exist/i.test(msg);
}

export function isCtModule(x: unknown): x is CtModule {
  const m = x as CtModule | null;
  return typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.init === 'function';
}

export interface StandardSet {
  modules: CtModule[];
  /** Packages not installed, for a warning. */
  missing: string[];
}

/** IPv4 plus every installed standard tracker, in load order. */
export async function standardModules(): Promise<StandardSet> {
  const modules: CtModule[] = [ipv4Module];
  const missing: string[] = [];
  for (const s of STANDARD_MODULES) {
    const ns = await tryImport(s.pkg);
    const m = ns?.[s.exportName];
    if (isCtModule(m)) modules.push(m);
    else missing.push(s.pkg);
  }
  return { modules, missing };
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
