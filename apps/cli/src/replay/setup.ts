import { CtError, type CtModule, IPPROTO_TCP, Kernel, type Netns, VirtualClock } from '@ctrack/core';
import { expectModule, helperAssignModule } from '@ctrack/expect';
import { createFtpModule } from '@ctrack/helper-ftp';
import { CliError, UsageError } from '../usage-error.js';
import { parseHelper, parseSysctlArg } from './args.js';
import { loadThirdParty, STANDARD_MODULES } from './modules.js';
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
  const third: CtModule[] = [];
  for (const spec of s.modules ?? []) third.push(await loadThirdParty(spec));
  const kernel = new Kernel(s.log ? { log: s.log } : {});
  const probe = s.trace ? new TraceProbe() : null;
  const all = [
    ...STANDARD_MODULES,
    expectModule,
    ...helperModules(helpers),
    ...third,
    ...(probe ? [probe.module()] : []),
  ];
  try {
    kernel.loadAll(all);
  } catch (e) {
    if (e instanceof CtError) throw new CliError(`loading modules failed: ${e.code}: ${e.message}`);
    throw e;
  }
  return { kernel, probe, helpers };
}

/**
 * `--helper ftp[:PORT]`: nf_conntrack_ftp with `ports=` the requested ports (the helper
 * is "ftp" for 21, "ftp-PORT" otherwise, as the kernel names them) and the explicit
 * assignment the recordings use: `tcp dport PORT ct helper set "<helper>"` in a
 * prerouting chain at filter priority (docs/core.md §8: no automatic assignment).
 */
function helperModules(helpers: readonly HelperSpec[]): CtModule[] {
  if (helpers.length === 0) return [];
  const ports = [...new Set(helpers.map((h) => h.port))];
  if (ports.length > 8) throw new UsageError(`--helper ftp: at most 8 ports (the module's ports= limit)`);
  return [
    createFtpModule({ ports }),
    helperAssignModule({
      requires: ['nf_conntrack_ftp'],
      rules: ports.map((port) => ({
        protonum: IPPROTO_TCP,
        dport: port,
        helper: port === 21 ? 'ftp' : `ftp-${port}`,
      })),
    }),
  ];
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
