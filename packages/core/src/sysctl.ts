import { CtError } from './errors.js';

/**
 * A `net.netfilter.*` knob. Time knobs are written in seconds like the kernel's
 * proc_dointvec_jiffies; the hot path reads `value` from the handle.
 */
export interface SysctlDef {
  /** Name without the `net.netfilter.` prefix, e.g. "nf_conntrack_udp_timeout". */
  readonly name: string;
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  /** Read-only (0444), like nf_conntrack_count. */
  readonly readonly?: boolean;
  /** One value for every netns, writable only from the init netns. */
  readonly global?: boolean;
  /** Seconds stored as jiffies in the kernel (documentation; values are seconds here). */
  readonly seconds?: boolean;
  /** Called after a successful write (e.g. resize the table). */
  readonly onWrite?: (value: number) => void;
  /** A live read-only value (nf_conntrack_count) instead of a stored one. */
  readonly read?: () => number;
}

/** A live knob: `value` is what the tracker reads. */
export class Sysctl {
  value: number;
  constructor(readonly def: SysctlDef) {
    this.value = def.default;
  }
}

const INT_MAX = 2147483647;

/** Per-netns sysctl table (net/netfilter). Global knobs are shared Sysctl objects. */
export class SysctlTable {
  private readonly knobs = new Map<string, Sysctl>();

  constructor(private readonly isInitNet: boolean) {}

  /** Register a knob; a taken name is EBUSY. Returns its handle. */
  register(def: SysctlDef, shared?: Sysctl): Sysctl {
    if (this.knobs.has(def.name)) throw new CtError('EBUSY', `sysctl ${def.name} is already registered`);
    const s = shared ?? new Sysctl(def);
    this.knobs.set(def.name, s);
    return s;
  }

  unregister(name: string): void {
    this.knobs.delete(name);
  }

  /** The handle for `name`; ENOENT when unknown. Accepts the `net.netfilter.` prefix. */
  handle(name: string): Sysctl {
    const s = this.knobs.get(stripPrefix(name));
    if (!s) throw new CtError('ENOENT', `unknown sysctl ${name}`);
    return s;
  }

  get(name: string): number {
    const s = this.handle(name);
    return s.def.read ? s.def.read() : s.value;
  }

  has(name: string): boolean {
    return this.knobs.has(stripPrefix(name));
  }

  /** Write a knob as `sysctl -w` would: EINVAL for a bad value, EACCES for read-only. */
  set(name: string, value: number | string): void {
    const s = this.knobs.get(stripPrefix(name));
    if (!s) throw new CtError('EINVAL', `unknown sysctl ${name}`);
    const d = s.def;
    if (d.readonly || (d.global && !this.isInitNet)) {
      throw new CtError(
        'EACCES',
        `sysctl ${d.name} is read-only${d.global ? ' outside the init netns' : ''}`,
      );
    }
    const v = typeof value === 'number' ? value : parseSysctlValue(value);
    const min = d.min ?? 0;
    const max = d.max ?? INT_MAX;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new CtError('EINVAL', `sysctl ${d.name}: ${String(value)} is not an integer in ${min}..${max}`);
    }
    s.value = v;
    d.onWrite?.(v);
  }

  /** Every knob as name → value, sorted by name (like `sysctl net.netfilter`). */
  entries(): [string, number][] {
    return [...this.knobs.entries()]
      .map(([k, s]) => [k, s.def.read ? s.def.read() : s.value] as [string, number])
      .sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }
}

function stripPrefix(name: string): string {
  return name.startsWith('net.netfilter.') ? name.slice('net.netfilter.'.length) : name;
}

function parseSysctlValue(text: string): number {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return Number.NaN;
  return Number(t);
}

/**
 * The largest `nf_conntrack_buckets` ctrack allocates: 2^24 chain heads (128 MiB of
 * pointers). The kernel's own bound (nf_ct_alloc_hashtable) is INT_MAX / 8 slots, above
 * which the write fails with ENOMEM, and kvcalloc refuses a table over INT_MAX bytes; a
 * JavaScript array of that length cannot be allocated at all (and past 2^25 elements V8
 * makes it a slow dictionary), so ctrack stops at a size it can hold and rehash, 64 times
 * the 6.18 default. Larger values are EINVAL, like 0 (packages/core/README.md "Sysctl bounds").
 */
export const NF_CT_BUCKETS_MAX = 1 << 24;

/** Core knobs (docs/sysctl.md "Core" and the generic timeout), with 6.18's defaults. */
export const CORE_SYSCTLS: readonly SysctlDef[] = [
  { name: 'nf_conntrack_max', default: 262144, global: true },
  { name: 'nf_conntrack_buckets', default: 262144, global: true, min: 1, max: NF_CT_BUCKETS_MAX },
  { name: 'nf_conntrack_expect_max', default: 4096, global: true, min: 1 },
  { name: 'nf_conntrack_checksum', default: 1, max: 1 },
  { name: 'nf_conntrack_log_invalid', default: 0, max: 255 },
  { name: 'nf_conntrack_acct', default: 0, max: 1 },
  { name: 'nf_conntrack_timestamp', default: 0, max: 1 },
  { name: 'nf_conntrack_events', default: 2, max: 2 },
  { name: 'nf_conntrack_generic_timeout', default: 600, seconds: true },
];
