import { parseIpv4, parseIpv6 } from '@ctrack/core';
import { UsageError } from '../usage-error.js';
import type { HelperSpec, OutputFormat } from './options.js';

const OUTPUT_FLAGS = ['timestamp', 'id', 'extended', 'ktimestamp'] as const;

/** `-o timestamp,id,extended,ktimestamp` (conntrack also accepts these in any order). */
export function parseOutputFlags(values: readonly string[]): Partial<OutputFormat> {
  const f: Partial<OutputFormat> = {};
  for (const v of values) {
    for (const word of v.split(',')) {
      if ((OUTPUT_FLAGS as readonly string[]).includes(word)) f[word as keyof OutputFormat] = true;
      else if (word !== '')
        throw new UsageError(`-o: unknown output flag "${word}" (known: ${OUTPUT_FLAGS.join(', ')})`);
    }
  }
  return f;
}

/** `--seed N`: 0..2^32-1, decimal or 0x hex. */
export function parseSeed(v: string): number {
  const n = /^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n > 0xffffffff)
    throw new UsageError(`--seed: "${v}" is not a number in 0..4294967295`);
  return n;
}

/**
 * `--until TIME` → the clock's target in µs: `+SECONDS` after `lastUs` (fractions
 * allowed), or an absolute `SEC[.FRAC]` (a capture timestamp, as -o timestamp prints it).
 * Digits, not floats: 1795251101.016796 is exact.
 */
export function parseUntil(v: string, lastUs: number): number {
  const m = /^(\+)?(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(v.trim());
  if (m === null) {
    throw new UsageError(`--until: "${v}" is neither +SECONDS nor a capture time SEC[.USEC]`);
  }
  const us = Number(m[3]) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
  if (m[1] === '+') {
    if (m[2] === '-') throw new UsageError(`--until: "${v}": the clock only runs forward`);
    return lastUs + us;
  }
  return m[2] === '-' ? -us : us;
}

/** `--local ADDR` → the address's bytes in network order: 4 for IPv4, 16 for IPv6. */
export function parseLocal(addr: string): Uint8Array {
  const a = parseIpv4(addr);
  if (a >= 0) return Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
  const w = parseIpv6(addr);
  if (w === null) throw new UsageError(`--local: "${addr}" is not an IPv4 or IPv6 address`);
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) v.setInt32(4 * i, w[i]!);
  return b;
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

/** Protocols a `--helper NAME/PROTO` may name (the nft `ct helper` object's `protocol`). */
const HELPER_PROTOS: Readonly<Record<string, number>> = {
  tcp: 6,
  udp: 17,
  dccp: 33,
  sctp: 132,
  udplite: 136,
};

/**
 * `--helper NAME[:PORT][/PROTO]`, as nft's `ct helper "NAME" { type "NAME" protocol
 * PROTO; }` plus `PROTO dport PORT ct helper set "NAME"`. PORT and PROTO default to
 * the registered helper's own (its descriptor: ftp 21/tcp, tftp 69/udp); whether NAME
 * is registered is only known once the modules are loaded.
 */
export function parseHelper(arg: string): HelperSpec {
  const m = /^([A-Za-z0-9_.-]{1,15})(?::([^/]*))?(?:\/(.*))?$/.exec(arg);
  if (m === null) throw new UsageError(`--helper: expected NAME[:PORT][/PROTO], got "${arg}"`);
  const [, name, port, proto] = m as unknown as [string, string, string | undefined, string | undefined];
  let portNum: number | null = null;
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
      throw new UsageError(`--helper ${name}: port "${port}" is not in 1..65535`);
    portNum = Number(port);
  }
  let protonum: number | null = null;
  if (proto !== undefined) {
    const p = HELPER_PROTOS[proto.toLowerCase()];
    if (p === undefined)
      throw new UsageError(
        `--helper ${name}: unknown protocol "${proto}" (known: ${Object.keys(HELPER_PROTOS).join(', ')})`,
      );
    protonum = p;
  }
  return { name, port: portNum, protonum };
}
