import { CONNTRACK_S_FIELDS, type Stats } from '@ctrack/core';

/**
 * `conntrack -S` (formats.md §4): one line per CPU, `cpu=%-4u\t` then `name=%u ` for
 * each 6.18 attribute, trailing space kept. The replay is one CPU.
 */
export function formatStats(stats: Stats, cpu = 0): string {
  let s = `cpu=${String(cpu).padEnd(4)}\t`;
  for (const f of CONNTRACK_S_FIELDS) s += `${f}=${stats[f]} `;
  return s;
}

export function statsJson(stats: Stats, cpu = 0): string {
  const o: Record<string, number | string> = { type: 'stats', cpu };
  for (const f of CONNTRACK_S_FIELDS) o[f] = stats[f];
  return JSON.stringify(o);
}
