/**
 * `pnpm --filter @ctrack/bench side-by-side`: whole-process replays of the realistic
 * capture, interleaved round by round so the machine's drift hits every command alike:
 * `ctrack replay FILE --stats` with 1 and 2 workers (and 4 where there are more than
 * 2 cores), a fixed baseline commit's CLI when CTRACK_BASELINE_CLI names its bin.js,
 * and Open vSwitch's userspace tracker (`ovstest test-conntrack pcap FILE 32`) when
 * OVS_OVSTEST names a built tests/ovstest; each is skipped, and said so, when absent.
 * Prints median wall, CPU and peak RSS with [min .. max], and each median as a ratio
 * to the baseline and to OVS. ROUNDS (default 7) sets the rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePcap } from './gen/files.js';
import { machine } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', '..', '..', 'apps', 'cli', 'dist', 'bin.js');
const ROUNDS = Number(process.env.ROUNDS ?? 7);

interface Cmd {
  name: string;
  argv: string[];
}

interface Sample {
  wall: number;
  cpu: number;
  rssMiB: number;
}

function commands(file: string): Cmd[] {
  const cmds: Cmd[] = [];
  const base = process.env.CTRACK_BASELINE_CLI;
  if (base && existsSync(base))
    cmds.push({ name: 'baseline', argv: [process.execPath, base, 'replay', file, '--stats'] });
  else console.log("baseline: skipped (set CTRACK_BASELINE_CLI to a fixed commit's apps/cli/dist/bin.js)");
  const workers = availableParallelism() > 2 ? [1, 2, 4] : [1, 2];
  for (const w of workers)
    cmds.push({
      name: `workers=${w}`,
      argv: [process.execPath, CLI, 'replay', file, '--stats', '--workers', String(w)],
    });
  const ovs = process.env.OVS_OVSTEST;
  if (ovs && existsSync(ovs)) cmds.push({ name: 'ovs', argv: [ovs, 'test-conntrack', 'pcap', file, '32'] });
  else console.log('ovs: skipped (set OVS_OVSTEST to a built tests/ovstest)');
  return cmds;
}

/** One run under /usr/bin/time: elapsed, user+sys, max RSS. */
function measure(c: Cmd): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '@@TIME %e %U %S %M', ...c.argv], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}):\n${r.stderr}`);
  const m = /@@TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`${c.name}: no /usr/bin/time line in:\n${r.stderr}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

const spread = (xs: number[], d: number): string =>
  `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)} .. ${Math.max(...xs).toFixed(d)}]`;

function main(): void {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install -y time');
  const file = ensurePcap('realistic', {});
  console.log(machine());
  console.log(`capture: ${file}; ${ROUNDS} interleaved rounds`);
  const cmds = commands(file);
  const samples = new Map<string, Sample[]>(cmds.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round: no command always runs first (or after another).
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[(i + r) % cmds.length]!;
      samples.get(c.name)!.push(measure(c));
    }
  }
  const med = (name: string, k: keyof Sample) => median(samples.get(name)!.map((s) => s[k]));
  console.log('| command | wall s | CPU s | peak RSS MiB | wall / baseline | wall / ovs | RSS / baseline |');
  console.log('|---|---|---|---|---|---|---|');
  for (const c of cmds) {
    const s = samples.get(c.name)!;
    const ratio = (other: string, k: keyof Sample) =>
      samples.has(other) ? (med(c.name, k) / med(other, k)).toFixed(2) : '-';
    console.log(
      `| ${c.name} | ${spread(
        s.map((x) => x.wall),
        2,
      )} | ${spread(
        s.map((x) => x.cpu),
        2,
      )} | ${spread(
        s.map((x) => x.rssMiB),
        0,
      )} | ${ratio('baseline', 'wall')} | ${ratio('ovs', 'wall')} | ${ratio('baseline', 'rssMiB')} |`,
    );
  }
}

main();
