import {
  CtError,
  type CtModule,
  type Helper,
  Kernel,
  type Netns,
  NFPROTO_IPV4,
  NFPROTO_UNSPEC,
  VirtualClock,
} from '@ctrack/core';
import { expectModule, type HelperAssignRule, helperAssignModule } from '@ctrack/expect';
import { ftpModule } from '@ctrack/helper-ftp';
import { CliError, UsageError } from '../usage-error.js';
import { parseHelper, parseSysctlArg } from './args.js';
import { labelled, ModuleError, type ModuleOrigin } from './module-error.js';
import { bundledOrigins, loadThirdParty, STANDARD_MODULES } from './modules.js';
import type { HelperSpec } from './options.js';
import { TraceProbe } from './trace-hook.js';

export interface KernelSetup {
  /** Third-party module specs (--module). */
  modules?: readonly string[];
  helpers?: readonly string[];
  /** Where --module packages are resolved from first (default process.cwd()). */
  cwd?: string;
  trace?: boolean;
  /** Kernel log lines ("nf_conntrack: table full, dropping packet"). */
  log?: (line: string) => void;
}

export interface LoadedKernel {
  kernel: Kernel;
  probe: TraceProbe | null;
  /** The `ct helper set` rules --helper made (port and protocol filled in). */
  rules: HelperAssignRule[];
  /** Where each --module's code lives, then the bundled modules' (naming a module from a stack). */
  origins: { thirdParty: ModuleOrigin[]; bundled: ModuleOrigin[] };
}

/**
 * Load what a replay loads: the standard modules, expectations, the FTP helper when a
 * --helper names it (and no --module provides nf_conntrack_ftp), the --module files
 * and packages, the trace probe; then the --helper rules. A module whose init throws
 * is reported as that module's error (exit status 2).
 */
export async function loadKernel(s: KernelSetup): Promise<LoadedKernel> {
  const specs = (s.helpers ?? []).map(parseHelper);
  const third: CtModule[] = [];
  const thirdOrigins: ModuleOrigin[] = [];
  for (const spec of s.modules ?? []) {
    const t = await loadThirdParty(spec, s.cwd ?? process.cwd());
    third.push(t.module);
    if (t.origin !== null) thirdOrigins.push(t.origin);
  }
  const kernel = new Kernel(s.log ? { log: s.log } : {});
  const probe = s.trace ? new TraceProbe() : null;
  const wantFtp = specs.some((h) => h.name === 'ftp') && !third.some((m) => m.name === ftpModule.name);
  const all = [
    ...STANDARD_MODULES,
    expectModule,
    ...(wantFtp ? [ftpModule] : []),
    ...third.map(labelled),
    ...(probe ? [probe.module()] : []),
  ];
  loadModules(kernel, all);
  const rules = specs.map((h) => helperRule(kernel, h));
  if (rules.length > 0) {
    const users = [...new Set(rules.map((r) => ownerOf(kernel, r.helper)))];
    loadModules(kernel, [helperAssignModule({ requires: users, rules })]);
  }
  return { kernel, probe, rules, origins: { thirdParty: thirdOrigins, bundled: bundledOrigins() } };
}

function loadModules(kernel: Kernel, mods: readonly CtModule[]): void {
  try {
    kernel.loadAll(mods);
  } catch (e) {
    if (e instanceof ModuleError) throw new CliError(e.message, 2);
    if (e instanceof CtError) throw new CliError(`loading modules failed: ${e.message}`, 2);
    throw e;
  }
}

/** The IPv4 helper named `h.name` (of `h.protonum` when given), or undefined. */
function findHelper(kernel: Kernel, h: HelperSpec): Helper | undefined {
  return kernel.helpers
    .list()
    .find(
      (x) =>
        x.name === h.name &&
        (x.l3num === NFPROTO_IPV4 || x.l3num === NFPROTO_UNSPEC) &&
        (h.protonum === null || x.protonum === h.protonum),
    );
}

/**
 * One `--helper`: nft looks the helper up by name and protocol when the `ct helper`
 * object is created (ENOENT if no module registered it); the rule matches the
 * helper's own port unless one was given. The rule is the only way a helper is
 * attached (docs/core.md §8: no automatic assignment by port).
 */
function helperRule(kernel: Kernel, h: HelperSpec): HelperAssignRule {
  const helper = findHelper(kernel, h);
  if (helper === undefined) {
    const known = [...new Set(kernel.helpers.list().map((x) => x.name))];
    throw new UsageError(
      `--helper ${h.name}: ENOENT: no helper "${h.name}"${h.protonum === null ? '' : ` for protocol ${h.protonum}`} is registered ` +
        `(registered: ${known.length > 0 ? known.join(', ') : 'none'}; load the module that provides it with --module)`,
    );
  }
  return { protonum: helper.protonum, dport: h.port ?? helper.port, helper: helper.name };
}

/** The loaded module that registered helper `name` (the rule module requires it). */
function ownerOf(kernel: Kernel, name: string): string {
  const m = kernel.modules().find((x) => x.registered.some((r) => r.startsWith(`helper ${name} (`)));
  return m?.module.name ?? expectModule.name;
}

export interface NetSetup {
  sysctl?: readonly string[];
  hashSeed?: number;
  idSeed?: number;
}

/** The replay's netns on a virtual clock driven by packet times, with --sysctl applied. */
export function createReplayNet(kernel: Kernel, s: NetSetup): { net: Netns; clock: VirtualClock } {
  const clock = new VirtualClock(0);
  const opts: { clock: VirtualClock; hashSeed?: number; idSeed?: number } = { clock };
  if (s.hashSeed !== undefined) opts.hashSeed = s.hashSeed;
  if (s.idSeed !== undefined) opts.idSeed = s.idSeed;
  let net: Netns;
  try {
    net = kernel.createNetns(opts);
  } catch (e) {
    if (e instanceof ModuleError) throw new CliError(e.message, 2);
    throw e;
  }
  for (const arg of s.sysctl ?? []) {
    const [name, value] = parseSysctlArg(arg);
    try {
      net.sysctl.set(name, value);
    } catch (e) {
      if (e instanceof CtError) throw new UsageError(`--sysctl ${arg}: ${e.message}`);
      throw e;
    }
  }
  return { net, clock };
}
