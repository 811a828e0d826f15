import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CtModule } from '@ctrack/core';
import { defragModule } from '@ctrack/defrag';
import { ecacheModule } from '@ctrack/ecache';
import { expectModule } from '@ctrack/expect';
import { ftpModule } from '@ctrack/helper-ftp';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import { UsageError } from '../usage-error.js';
import type { ModuleOrigin } from './module-error.js';

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

/** The bundled packages and the module each provides (to name a module from a stack trace). */
const BUNDLED: ReadonlyArray<readonly [string, CtModule]> = [
  ['@ctrack/l3-ipv4', ipv4Module],
  ['@ctrack/l4-tcp', tcpModule],
  ['@ctrack/l4-udp', udpModule],
  ['@ctrack/l4-icmp', icmpModule],
  ['@ctrack/ecache', ecacheModule],
  ['@ctrack/defrag', defragModule],
  ['@ctrack/expect', expectModule],
  ['@ctrack/helper-ftp', ftpModule],
];

export function isCtModule(x: unknown): x is CtModule {
  const m = x as CtModule | null;
  return typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.init === 'function';
}

/** The nearest folder at or above `file` with a package.json (the package root), with a trailing separator. */
function packageRoot(file: string): string {
  let d = dirname(file);
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d.endsWith(sep) ? d : d + sep;
}

/** Where the bundled modules' code lives (resolved from the CLI's own install). */
export function bundledOrigins(): ModuleOrigin[] {
  const req = createRequire(import.meta.url);
  const out: ModuleOrigin[] = [];
  for (const [pkg, mod] of BUNDLED) {
    try {
      out.push({ module: mod.name, dir: packageRoot(req.resolve(pkg)) });
    } catch {
      // Not resolvable by require (should not happen): that module is just not named.
    }
  }
  return out;
}

const isPathSpec = (spec: string) =>
  spec.startsWith('.') || spec.startsWith('/') || /\.[cm]?js$|\.ts$/.test(spec);

/**
 * Where `--module NAME` is: a path relative to `cwd`; or a package resolved from `cwd`
 * first (the user's project), then from the CLI's own install. Returns the file URL
 * to import, or the bare name when only the CLI's import() can find it.
 */
function locate(spec: string, cwd: string): { target: string; file: string | null } {
  if (isPathSpec(spec)) {
    const file = resolve(cwd, spec);
    return { target: pathToFileURL(file).href, file };
  }
  for (const base of [join(cwd, 'noop.js'), fileURLToPath(import.meta.url)]) {
    const file = resolveFrom(base, spec);
    if (file !== null) return { target: pathToFileURL(file).href, file };
  }
  return { target: spec, file: null };
}

/**
 * `spec` resolved as `base` would require it, or null. An ESM-only package (its
 * "exports" has an "import" condition but no "require"/"default") is found by its
 * package.json instead: require cannot resolve it, and import.meta.resolve takes no
 * parent on Node 20.
 */
function resolveFrom(base: string, spec: string): string | null {
  const req = createRequire(base);
  try {
    return req.resolve(spec);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') return null;
  }
  for (const dir of req.resolve.paths(spec) ?? []) {
    const pj = join(dir, spec, 'package.json');
    if (!existsSync(pj)) continue;
    const entry = importEntry((JSON.parse(readFileSync(pj, 'utf8')) as { exports?: unknown }).exports);
    return entry === null ? null : join(dir, spec, entry);
  }
  return null;
}

/** The file the "." export of a package's "exports" gives an import, or null. */
function importEntry(exports: unknown): string | null {
  let e = exports;
  if (typeof e === 'object' && e !== null && '.' in e) e = (e as Record<string, unknown>)['.'];
  while (typeof e === 'object' && e !== null) {
    const c = e as Record<string, unknown>;
    e = c.import ?? c.node ?? c.default;
  }
  return typeof e === 'string' ? e : null;
}

/**
 * `--module PATH|PACKAGE`: an ESM file or a package whose default or `module` export
 * is a CtModule. A package is looked up from `cwd` first, then from where the CLI is
 * installed. Also returns where its code lives (for naming it in errors).
 */
export async function loadThirdParty(
  spec: string,
  cwd = process.cwd(),
): Promise<{ module: CtModule; origin: ModuleOrigin | null }> {
  const { target, file } = locate(spec, cwd);
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
  // A package is its whole folder; a single file (a path spec) is only itself.
  const dir = file === null ? null : isPathSpec(spec) ? file : packageRoot(file);
  return { module: m, origin: dir === null ? null : { module: m.name, dir } };
}
