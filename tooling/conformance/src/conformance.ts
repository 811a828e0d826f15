import {
  type CheckResult,
  compareEvents,
  compareLines,
  compareList,
  compareNft,
  compareStats,
  DEFAULT_RULES,
  nftFromTrace,
} from './compare.js';
import { type Fixture, secondsToUs } from './fixtures.js';
import type { Check } from './known-failures.js';
import { parseEvents, parseListLine, parseNft, sumStats } from './lines.js';
import { type CtrackRun, runCtrack } from './run.js';

/** Every check of one fixture, plus what the summary needs. */
export interface FixtureOutcome {
  name: string;
  run: CtrackRun;
  checks: Record<Check, CheckResult>;
  /** Kernel events (conn + expectation) and how many ctrack matched. */
  events: { total: number; matched: number };
}

/** Replay one fixture through ctrack and compare everything the kernel recorded. */
export async function conformFixture(f: Fixture): Promise<FixtureOutcome> {
  const run = await runCtrack(f);
  const listedAtUs = secondsToUs(f.meta.listed_at);

  const kernelEvents = parseEvents(f.events);
  const ev = compareEvents(kernelEvents, run.events, { ...DEFAULT_RULES, listedAtUs });
  if (kernelEvents.length !== f.events.length)
    ev.problems.push(
      `events.txt: ${f.events.length - kernelEvents.length} line(s) not parsed as conn events`,
    );
  if (run.exitCode !== 0) ev.problems.push(`replay exit code ${run.exitCode}: ${run.stderr.trim()}`);
  if (run.helperError !== null) ev.problems.push(`helper: ${run.helperError}`);
  for (const e of run.sysctlErrors) ev.problems.push(`sysctl: ${e}`);

  const expectEvents = compareLines(f.expectEvents, run.expectEvents, 'expect-events');

  // The dump ran a little after listed_at (its DESTROYs of expired conns show when).
  const lagUs = Math.max(
    0,
    ...kernelEvents.filter((e) => (e.tsUs ?? 0) >= listedAtUs).map((e) => (e.tsUs ?? 0) - listedAtUs),
  );
  const tolS = 1 + Math.floor(lagUs / 1_000_000);
  const list = compareList(f.list.map(parseListLine), run.list, tolS, ev.idMap);
  const listExpect = compareLines(f.listExpect, run.listExpect, 'list-expect');
  const stats = compareStats(sumStats(f.stats), run.stats);
  const nft = compareNft(parseNft(f.nft), nftFromTrace(run.trace, run.packets));

  return {
    name: f.name,
    run,
    checks: { events: ev, 'expect-events': expectEvents, list, 'list-expect': listExpect, stats, nft },
    events: {
      total: ev.total + expectEvents.total,
      matched: ev.matched + expectEvents.matched,
    },
  };
}

/** `tcp-rst-close: events 5/5, list 0/0, stats 10/10, nft 10/10 — pass` */
export function fixtureLine(o: FixtureOutcome, status: string): string {
  const c = o.checks;
  const part = (k: Check) => `${k} ${c[k].matched}/${c[k].total}${c[k].problems.length ? '✗' : ''}`;
  return (
    `  ${o.name}: ${o.events.matched}/${o.events.total} events (` +
    `${[part('events'), part('expect-events'), part('list'), part('list-expect'), part('stats'), part('nft')].join(', ')}) — ${status}`
  );
}
