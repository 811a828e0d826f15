import type { Conn, Netns } from '@ctrack/core';
import { CONNTRACK_S_FIELDS } from '@ctrack/core';
import {
  type CtEvent,
  connJson,
  dumpConn,
  type ExpectEvent,
  eventJson,
  type FormatOptions,
  formatConnBody,
  formatEvent,
  formatEventJson,
  formatExpect,
  formatStats,
  formatStatsExpect,
  NFCT_ALL_CT_GROUPS,
  NFCT_ALL_EXP_GROUPS,
  snapshotExpect,
  subscribe,
} from '@ctrack/ecache';
import { type NfConntrackExpect, nfCtExpectations } from '@ctrack/expect';
import type { ReplayCounters } from './counters.js';
import type { ConnFilter } from './filter.js';
import type { LineOutput, Output } from './output.js';

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
  out: LineOutput,
  fmt: FormatOptions,
  json: boolean,
  c: ReplayCounters,
  filter: ConnFilter | null = null,
): () => void {
  return subscribe(net, { groups: NFCT_ALL_CT_GROUPS | NFCT_ALL_EXP_GROUPS }, (ev: CtEvent) => {
    // conntrack -E's filters select conn events; expectation events pass (-E expect has none).
    if (filter !== null && ev.kind === 'conn' && !filter.matches(ev.conn)) return;
    c.events++;
    out.event(ev.timestampUs, eventRank(ev), json ? formatEventJson(ev) : formatEvent(ev, fmt));
  });
}

/**
 * Order of events of one instant, as one tracker fires them: conns expire before the
 * expectations of the same jiffy (the netns runs conn timers first), conns by unsigned
 * id (the timer heap's tie rule). A sharded replay merges its workers' events by it.
 */
function eventRank(ev: CtEvent): number {
  return ev.kind === 'conn' ? ev.conn.id >>> 0 : 0x100000000;
}

/**
 * `conntrack -L` at the netns' current time (the entries the filters pass), then
 * conntrack's count line on stderr.
 */
export function printList(
  net: Netns,
  out: Output,
  fmt: FormatOptions,
  json: boolean,
  err: (t: string) => void,
  filter: ConnFilter | null = null,
): void {
  let shown = 0;
  for (const ct of net.conns()) {
    const line = conntrackLine(ct, fmt, json, filter);
    if (line === null) continue;
    shown++;
    out.line(line);
  }
  out.flush();
  if (!json) err(`${TOOLS}: ${shown} flow entries have been shown.\n`);
}

/** `ct`'s `conntrack -L` line (or JSON object), or null when the filters drop it. */
export function conntrackLine(
  ct: Conn,
  fmt: FormatOptions,
  json: boolean,
  filter: ConnFilter | null,
): string | null {
  const s = dumpConn(ct);
  if (filter !== null && !filter.matches(s)) return null;
  return json ? JSON.stringify({ type: 'conntrack', ...connJson(s) }) : formatConnBody(s, fmt);
}

/** `conntrack -C`: the number of entries (those the filters pass), alone on a line. */
export function printCount(net: Netns, out: Output, json: boolean, filter: ConnFilter | null): void {
  let n = 0;
  if (filter === null) n = net.count;
  else for (const ct of net.conns()) if (filter.matches(dumpConn(ct))) n++;
  out.line(json ? JSON.stringify({ type: 'count', count: n }) : String(n));
}

/** `conntrack -S expect` (docs/formats.md §4), or one JSON object with the same counters. */
export function printStatsExpect(net: Pick<Netns, 'stats'>, out: Output, json: boolean): void {
  if (!json) {
    for (const l of formatStatsExpect(net)) out.line(l);
    return;
  }
  const { expect_new, expect_create, expect_delete } = net.stats;
  out.line(JSON.stringify({ type: 'stats_expect', cpu: 0, expect_new, expect_create, expect_delete }));
}

/**
 * `conntrack -L expect` at the netns' current time (remaining seconds of each
 * expectation), then conntrack's count line on stderr.
 */
export function printExpectations(net: Netns, out: Output, json: boolean, err: (t: string) => void): void {
  const exps = nfCtExpectations(net);
  for (const e of exps) out.line(expectLine(net, e, json));
  out.flush();
  if (!json) err(`${TOOLS}: ${exps.length} expectations have been shown.\n`);
}

/** One `conntrack -L expect` line (or JSON object) at the netns' current time. */
export function expectLine(net: Netns, e: NfConntrackExpect, json: boolean): string {
  if (!json) return formatExpect(e);
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
  return JSON.stringify({ ...o, type: 'expect' });
}

/** `conntrack -S` (docs/formats.md §4), or one JSON object with the same counters (a sharded replay passes their sum). */
export function printStats(net: Pick<Netns, 'stats'>, out: Output, json: boolean): void {
  if (!json) {
    for (const l of formatStats(net)) out.line(l);
    return;
  }
  const o: Record<string, number | string> = { type: 'stats', cpu: 0 };
  for (const f of CONNTRACK_S_FIELDS) o[f] = net.stats[f];
  out.line(JSON.stringify(o));
}
