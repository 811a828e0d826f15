import { CtError, type CtModule, Kernel, type Netns, VirtualClock } from '@ctrack/core';
import { CliError, UsageError } from '../usage-error.js';
import { parseHelper, parseSysctlArg } from './args.js';
import { loadThirdParty, STANDARD_MODULES, tryImport } from './modules.js';
import type { HelperSpec } from './options.js';
import { TraceProbe } from './trace-hook.js';

export interface KernelSetup {
  /** Third-party module specs (--module). */
  modules?: readonly string[];
  helpers?: readonly string[];
  trace?: boolean;
  /** Kernel log lines ("nf_conntrack: table full, dropping packet"). */
  log?: (line: string) => void;
}

export interface LoadedKernel {
  kernel: Kernel;
  probe: TraceProbe | null;
  helpers: HelperSpec[];
}

/** Load what a replay loads: the standard modules, --module files, the trace probe. */
export async function loadKernel(s: KernelSetup): Promise<LoadedKernel> {
  const helpers = (s.helpers ?? []).map(parseHelper);
  if (helpers.length > 0) await requireHelperModule();
  const third: CtModule[] = [];
  for (const spec of s.modules ?? []) third.push(await loadThirdParty(spec));
  const kernel = new Kernel(s.log ? { log: s.log } : {});
  const probe = s.trace ? new TraceProbe() : null;
  const all = [...STANDARD_MODULES, ...third, ...(probe ? [probe.module()] : [])];
  try {
    kernel.loadAll(all);
  } catch (e) {
    if (e instanceof CtError) throw new CliError(`loading modules failed: ${e.code}: ${e.message}`);
    throw e;
  }
  return { kernel, probe, helpers };
}

/**
 * The FTP helper is assigned explicitly (`--helper ftp[:PORT]`, spec README); the
 * option is validated now and refused clearly until @ctrack/helper-ftp exists.
 */
async function requireHelperModule(): Promise<void> {
  const ns = await tryImport('@ctrack/helper-ftp');
  if (ns === null) throw new UsageError('helper ftp is not available (no @ctrack/helper-ftp module)');
  throw new UsageError('helper ftp: @ctrack/helper-ftp is installed but this ctrack cannot assign it yet');
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
  const net = kernel.createNetns(opts);
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
