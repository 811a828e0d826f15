import { CONNTRACK_S_FIELDS, type Netns } from '@ctrack/core';
import { padRight } from './names.js';

export interface StatsOptions {
  /**
   * CPUs to print. ctrack counts per netns, not per CPU: row 0 carries the counters,
   * further rows are zeros (a kernel whose other CPUs saw no packets). Default 1.
   */
  cpus?: number;
}

const cpuPrefix = (cpu: number): string => `cpu=${padRight(String(cpu), 4)}\t`;

/** `conntrack -S` lines (docs/formats.md §4; only the counters are read: a sharded replay passes their sum): `cpu=%-4u\t` then `name=%u ` per 6.18 attribute. */
export function formatStats(net: Pick<Netns, 'stats'>, opts: StatsOptions = {}): string[] {
  const lines: string[] = [];
  for (let cpu = 0; cpu < (opts.cpus ?? 1); cpu++) {
    let l = cpuPrefix(cpu);
    for (const f of CONNTRACK_S_FIELDS) l += `${f}=${cpu === 0 ? net.stats[f] : 0} `;
    lines.push(l);
  }
  return lines;
}

/** `conntrack -S expect` lines. */
export function formatStatsExpect(net: Pick<Netns, 'stats'>, opts: StatsOptions = {}): string[] {
  const lines: string[] = [];
  for (let cpu = 0; cpu < (opts.cpus ?? 1); cpu++) {
    const s = cpu === 0 ? net.stats : { expect_new: 0, expect_create: 0, expect_delete: 0 };
    lines.push(
      `${cpuPrefix(cpu)}expect_new=${s.expect_new} expect_create=${s.expect_create} expect_delete=${s.expect_delete} `,
    );
  }
  return lines;
}

const PROC_STAT_HEADER =
  'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * /proc/net/stat/nf_conntrack (ct_cpu_seq_show): header, then one `%08x` row per CPU;
 * `entries` is the netns total in every row; new/ignore/delete are always 0.
 */
export function formatProcStat(net: Netns, opts: StatsOptions = {}): string[] {
  const lines = [PROC_STAT_HEADER];
  for (let cpu = 0; cpu < (opts.cpus ?? 1); cpu++) {
    const s = net.stats;
    const v = (n: number): string => hex8(cpu === 0 ? n : 0);
    lines.push(
      `${hex8(net.count)}  ${v(s.clash_resolve)} ${v(s.found)} ${hex8(0)} ${v(s.invalid)} ${hex8(0)} ${hex8(0)} ` +
        `${v(s.chaintoolong)} ${v(s.insert)} ${v(s.insert_failed)} ${v(s.drop)} ${v(s.early_drop)} ${v(s.error)}  ` +
        `${v(s.expect_new)} ${v(s.expect_create)} ${v(s.expect_delete)} ${v(s.search_restart)}`,
    );
  }
  return lines;
}
