/**
 * A sharded replay (`ctrack replay --workers N`) prints what one thread prints, byte for
 * byte: every kernel recording and the bench's workloads (small sizes) are replayed
 * both ways with the same seeds and every output compared: events with timestamps and
 * ids, the per-packet trace, the table, the expectations, `-S`, as text and as JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type WorkloadArgs, type WorkloadName } from '@ctrack/bench/gen';
import { type ReplayOptions, replay, shardedReplay, UsageError } from '@ctrack/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureNames, loadFixture } from './fixtures.js';
import { deriveOptions, readPackets } from './run.js';

/** Worker threads start slowly on a loaded machine; nothing here is timed. */
const TIMEOUT = 180_000;

interface Captured {
  out: string;
  err: string;
  exitCode: number;
}

/** The output of one replay; the summary line's timing is the only line that may differ. */
async function run(o: ReplayOptions, workers: number): Promise<Captured> {
  let out = '';
  let err = '';
  const opts: ReplayOptions = {
    ...o,
    progress: false,
    hashSeed: 0x5eed,
    idSeed: 77,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
  };
  const r = workers > 1 ? await shardedReplay(opts, workers) : await replay(opts);
  return { out, err: err.replace(/ in [0-9.]+ s \([0-9]+ packets\/s\)/, ''), exitCode: r.exitCode };
}

/**
 * Two passes: text (events with timestamps and ids, the trace, then the table and the
 * expectations as they stand after the last packet, and -S), and JSON lines with a
 * drain (every expiry at its deadline).
 */
const PASSES: Record<string, Partial<ReplayOptions>> = {
  text: {
    events: true,
    format: { timestamp: true, id: true },
    trace: true,
    list: true,
    listExpect: true,
    stats: true,
  },
  json: { events: true, trace: true, drain: true, list: true, listExpect: true, stats: true, json: true },
};

/**
 * A recorded sysctl no loaded module registers (an IPv6 knob while no IPv6 module is on
 * main) is refused alike by both replays; the rest of the fixture is compared without it,
 * as the conformance run does (run.ts).
 */
async function withoutUnknownSysctls(base: ReplayOptions, workers: number): Promise<ReplayOptions> {
  for (;;) {
    try {
      await run(base, 1);
      return base;
    } catch (e) {
      const bad = (base.sysctl ?? []).find(
        (s) => e instanceof UsageError && e.message.startsWith(`--sysctl ${s}:`),
      );
      if (bad === undefined) throw e;
      await expect(run(base, workers)).rejects.toThrow((e as Error).message);
      base = { ...base, sysctl: (base.sysctl ?? []).filter((s) => s !== bad) };
    }
  }
}

async function expectSame(given: ReplayOptions, workers: readonly number[]): Promise<void> {
  const base = await withoutUnknownSysctls(given, workers[0]!);
  for (const [pass, extra] of Object.entries(PASSES)) {
    const o = { ...base, ...extra };
    const one = await run(o, 1);
    expect(one.out.length, `${pass}: one thread printed nothing`).toBeGreaterThan(0);
    for (const n of workers) {
      const sharded = await run(o, n);
      expect(sharded, `${pass} with ${n} workers`).toEqual(one);
    }
  }
}

describe('sharded replay equals one thread', () => {
  for (const name of fixtureNames()) {
    it(
      `kernel recording ${name}`,
      async () => {
        const f = loadFixture(name);
        const d = deriveOptions(f, await readPackets(f.pcap));
        const o = { input: f.pcap, local: d.local, sysctl: d.sysctl, helpers: d.helpers, modules: d.modules };
        await expectSame(o, [2]);
      },
      TIMEOUT,
    );
  }

  const dir = mkdtempSync(join(tmpdir(), 'ctrack-shard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const workloads: [WorkloadName, WorkloadArgs, Partial<ReplayOptions>][] = [
    // Gaps of 2 ms between packets: flows expire during the capture, many in one jiffy.
    ['realistic', { tcp: 1500, udp: 500, open: 100, gapUs: 2000, seed: 3 }, {}],
    ['synflood', { n: 3000, seed: 4 }, {}],
    ['fragmix', { n: 400, seed: 5 }, {}],
    ['ftpmix', { n: 40, seed: 6 }, { helpers: ['ftp'] }],
  ];
  for (const [name, args, extra] of workloads) {
    it(
      `bench workload ${name}`,
      async () => {
        const file = join(dir, `${name}.pcap`);
        writeFileSync(file, build(name, args).bytes());
        await expectSame({ input: file, ...extra }, [2, 3]);
      },
      TIMEOUT,
    );
  }
});

describe('sharded replay failures', () => {
  it(
    'a module that cannot load is reported, and no worker is left waiting',
    async () => {
      const f = loadFixture(fixtureNames()[0]!);
      await expect(
        run({ input: f.pcap, events: true, modules: ['./no-such-module.mjs'] }, 2),
      ).rejects.toThrow(/no-such-module/);
    },
    TIMEOUT,
  );
});
