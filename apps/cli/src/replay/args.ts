import { parseIpv4 } from '@ctrack/core';
import { UsageError } from '../usage-error.js';
import type { HelperSpec, OutputFormat } from './options.js';

/** `-o timestamp,id,extended` (conntrack also accepts these in any order). */
export function parseOutputFlags(values: readonly string[]): Partial<OutputFormat> {
  const f: Partial<OutputFormat> = {};
  for (const v of values) {
    for (const word of v.split(',')) {
      if (word === 'timestamp' || word === 'id' || word === 'extended') f[word] = true;
      else if (word !== '')
        throw new UsageError(`-o: unknown output flag "${word}" (known: timestamp, id, extended)`);
    }
  }
  return f;
}

/** `--local ADDR` → the address as a u32 (network order value). */
export function parseLocal(addr: string): number {
  const a = parseIpv4(addr);
  if (a < 0) throw new UsageError(`--local: "${addr}" is not an IPv4 address`);
  return a;
}

/** `--sysctl name=value` → [name without the net.netfilter. prefix, value text]. */
export function parseSysctlArg(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--sysctl: expected name=value, got "${arg}"`);
  const name = arg
    .slice(0, eq)
    .trim()
    .replace(/^net\.netfilter\./, '');
  const value = arg.slice(eq + 1).trim();
  if (value === '') throw new UsageError(`--sysctl ${name}: missing value`);
  return [name, value];
}

/** `--helper ftp[:PORT]`: only ftp exists (docs/ftp.md); the port defaults to 21. */
export function parseHelper(arg: string): HelperSpec {
  const [name, port, extra] = arg.split(':');
  if (name !== 'ftp') throw new UsageError(`--helper: unknown helper "${name}" (known: ftp)`);
  if (extra !== undefined) throw new UsageError(`--helper: expected ftp[:PORT], got "${arg}"`);
  if (port === undefined) return { name, port: 21 };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new UsageError(`--helper ${name}: port "${port}" is not in 1..65535`);
  }
  return { name, port: Number(port) };
}
