import type { Netns } from '@ctrack/core';
import { CONNTRACK_S_FIELDS } from '@ctrack/core';
import {
  type CtEvent,
  connJson,
  dumpConn,
  type ExpectEvent,
  eventJson,
  type FormatOptions,
  formatConntrack,
  formatEvent,
  formatEventJson,
  formatExpect,
  formatStats,
  NFCT_ALL_CT_GROUPS,
  NFCT_ALL_EXP_GROUPS,
  snapshotExpect,
  subscribe,
} from '@ctrack/ecache';
import { nfCtExpectations } from '@ctrack/expect';
import type { ReplayCounters } from './counters.js';
import type { Output } from './output.js';

/** conntrack-tools' name on its stderr count lines. */
export const TOOLS = 'conntrack v1.4.7 (conntrack-tools)';

/**
 * `conntrack -E` and `conntrack -E expect` (two listeners merged into one stream, in
 * delivery order): subscribed before the first packet (nf_conntrack_events = 2 only
 * gives events to conns created while a listener exists); each event is printed as it
 * is delivered. Timestamps (-o timestamp) are the netns clock, i.e. packet times.
 */
export function printEvents(
  net: Netns,
  out: Output,
  fmt: FormatOptions,
  json: boolean,
  c: ReplayCounters,
): () => void {
  return subscribe(net, { groups: NFCT_ALL_CT_GROUPS | NFCT_ALL_EXP_GROUPS }, (ev: CtEvent) => {
    c.events++;
    out.line(json ? formatEventJson(ev) : formatEvent(ev, fmt));
  });
}

/** `conntrack -L` at the netns' current time, then conntrack's count line on stderr. */
export function printList(
  net: Netns,
  out: Output,
  fmt: FormatOptions,
  json: boolean,
  err: (t: string) => void,
): void {
  const conns = net.conns();
  for (const ct of conns)
    out.line(
      json ? JSON.stringify({ type: 'conntrack', ...connJson(dumpConn(ct)) }) : formatConntrack(ct, fmt),
    );
  out.flush();
  if (!json) err(`${TOOLS}: ${conns.length} flow entries have been shown.\n`);
}

/**
 * `conntrack -L expect` at the netns' current time (remaining seconds of each
 * expectation), then conntrack's count line on stderr.
 */
export function printExpectations(net: Netns, out: Output, json: boolean, err: (t: string) => void): void {
  const exps = nfCtExpectations(net);
  for (const e of exps) {
    if (!json) {
      out.line(formatExpect(e));
      continue;
    }
    const ev: ExpectEvent = {
      kind: 'expect',
      type: 'NEW',
      events: 0,
      timestampUs: net.nowUs,
      portid: 0,
      netns: net.inum,
      exp: snapshotExpect(e),
    };
    const { timestamp_us: _t, ...o } = eventJson(ev) as Record<string, unknown>;
    out.line(JSON.stringify({ ...o, type: 'expect' }));
  }
  out.flush();
  if (!json) err(`${TOOLS}: ${exps.length} expectations have been shown.\n`);
}

/** `conntrack -S` (docs/formats.md §4), or one JSON object with the same counters. */
export function printStats(net: Netns, out: Output, json: boolean): void {
  if (!json) {
    for (const l of formatStats(net)) out.line(l);
    return;
  }
  const o: Record<string, number | string> = { type: 'stats', cpu: 0 };
  for (const f of CONNTRACK_S_FIELDS) o[f] = net.stats[f];
  out.line(JSON.stringify(o));
}
