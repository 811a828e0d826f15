import type { Expectation } from '@ctrack/core';
import { NF_CT_EXPECT_INACTIVE, NF_CT_EXPECT_PERMANENT, NF_CT_EXPECT_USERSPACE } from './constants.js';
import type { ExpectEvent, ExpectSnapshot } from './event.js';
import { eventTag, type FormatOptions, l4Text, timestampPrefix, tupleText } from './format-conn.js';
import { snapshotExpect } from './snapshot.js';

/** PERMANENT[,INACTIVE][,USERSPACE] (empty when none). */
function flagsText(flags: number): string {
  const names: string[] = [];
  if ((flags & NF_CT_EXPECT_PERMANENT) !== 0) names.push('PERMANENT');
  if ((flags & NF_CT_EXPECT_INACTIVE) !== 0) names.push('INACTIVE');
  if ((flags & NF_CT_EXPECT_USERSPACE) !== 0) names.push('USERSPACE');
  return names.join(',');
}

/** The body of an expectation line (`-L expect`, `-E expect`), docs/formats.md §3. */
export function formatExpectBody(s: ExpectSnapshot): string {
  let out = `${s.timeout} proto=${s.protonum} `;
  out += tupleText(s.tuple);
  out += tupleText(s.mask, 'mask-');
  out += tupleText(s.master, 'master-');
  if (s.zone !== 0) out += `zone=${s.zone} `;
  const flags = flagsText(s.flags);
  if (flags !== '') out += `${flags} `;
  out += `class=${s.class} `;
  if (s.helper !== null) out += `helper=${s.helper} `;
  return out.endsWith(' ') ? out.slice(0, -1) : out;
}

/** One `conntrack -E expect` line. */
export function formatExpectEvent(ev: ExpectEvent, opts: FormatOptions = {}): string {
  const ts = opts.timestamp ? timestampPrefix(ev.timestampUs) : '';
  return `${ts}${eventTag(ev.type)}${formatExpectBody(ev.exp)}`;
}

/** One `conntrack -L expect` line (remaining seconds at the master's netns clock). */
export function formatExpect(exp: Expectation): string {
  return formatExpectBody(snapshotExpect(exp));
}

/** One /proc/net/nf_conntrack_expect line (exp_seq_show). */
export function formatProcExpect(exp: Expectation): string {
  const s = snapshotExpect(exp);
  let out = `${s.timeout} l3proto = ${s.l3num} proto=${s.protonum} src=${s.tuple.src} dst=${s.tuple.dst} ${l4Text(s.tuple.l4)}`;
  const flags = flagsText(s.flags);
  out += flags;
  if (s.helper !== null) {
    out += `${s.flags !== 0 ? ' ' : ''}${s.helper}`;
    if (s.policyName !== null) out += `/${s.policyName}`;
  }
  return out;
}
