/**
 * The kernel conformance test: every recording in ../fixtures is replayed through ctrack
 * (the CLI's replay(), as `ctrack replay` with the recording's --local, --sysctl and
 * --helper) and compared with what the kernel printed: events, the final table,
 * expectations, `conntrack -S` and the nft `ct state` counters. A check listed in
 * ../known-failures.json runs as `it.fails`; anything else must pass. See README
 * "Replay test".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { conformFixture, type FixtureOutcome, fixtureLine } from './conformance.js';
import { fixtureNames, loadFixture } from './fixtures.js';
import { CHECKS, type Check, invalidEntries, loadKnownFailures } from './known-failures.js';

const names = fixtureNames();
const known = loadKnownFailures();
const outcomes = new Map<string, Promise<FixtureOutcome>>();
const outcome = (name: string): Promise<FixtureOutcome> => {
  let p = outcomes.get(name);
  if (p === undefined) outcomes.set(name, (p = conformFixture(loadFixture(name))));
  return p;
};

describe('kernel conformance', () => {
  it('has the recordings and a valid known-failures.json', () => {
    expect(names.length).toBeGreaterThanOrEqual(27);
    expect(invalidEntries(known, names)).toEqual([]);
  });

  for (const name of names) {
    describe(name, () => {
      for (const check of CHECKS) {
        const reason = known.fixtures[name]?.[check];
        const body = async () => {
          const o = await outcome(name);
          const r = o.checks[check];
          if (r.problems.length > 0) throw new Error(`${name} ${check}:\n  ${r.problems.join('\n  ')}`);
        };
        if (reason !== undefined) it.fails(`${check} (known failure: ${reason})`, body, 30_000);
        else it(check, body, 30_000);
      }
    });
  }

  afterAll(async () => {
    let matched = 0;
    let total = 0;
    let pass = 0;
    let knownFail = 0;
    let unexpected = 0;
    const lines: string[] = [];
    for (const name of names) {
      const p = outcomes.get(name);
      if (p === undefined) continue;
      const o = await p.catch(() => null);
      if (o === null) {
        unexpected++;
        lines.push(`  ${name}: replay failed — FAIL`);
        continue;
      }
      matched += o.events.matched;
      total += o.events.total;
      const failing = CHECKS.filter((c) => o.checks[c].problems.length > 0);
      const listed = (c: Check) => known.fixtures[name]?.[c] !== undefined;
      let status: string;
      if (failing.length === 0 && !CHECKS.some(listed)) {
        pass++;
        status = 'pass';
      } else if (failing.every(listed) && CHECKS.filter(listed).every((c) => failing.includes(c))) {
        knownFail++;
        status = `known failure (${failing.join(', ')})`;
      } else {
        unexpected++;
        const bad = failing.filter((c) => !listed(c));
        const stale = CHECKS.filter((c) => listed(c) && !failing.includes(c));
        status = `FAIL (${[...bad, ...stale.map((c) => `${c} passes: remove its known-failures entry`)].join(', ')})`;
      }
      const notes = o.run.notes.length ? ` [${o.run.notes.join('; ')}]` : '';
      lines.push(fixtureLine(o, status) + notes);
    }
    const head =
      `conformance: ctrack matches ${matched} of ${total} kernel events ` +
      `(${names.length} fixtures, ${pass} pass, ${knownFail} known failures` +
      `${unexpected ? `, ${unexpected} unexpected failures` : ''})`;
    // Reporter-independent: straight to the process's stdout, after vitest's own lines.
    process.stdout.write(`\n${head}\n${lines.join('\n')}\n`);
  });
});
