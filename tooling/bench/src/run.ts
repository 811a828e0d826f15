/**
 * `pnpm bench`: every benchmark of issue 7, each measurement in its own Node process.
 * Quick mode by default (a few minutes); BENCH_FULL=1 (or --full) for full sizes and
 * more runs. Prints each figure as median [min .. max] next to its target, and writes
 * out/results.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePcap, OUT_DIR } from './gen/files.js';
import { fmt, machine, type Result, stats } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const FULL = process.env.BENCH_FULL === '1' || process.argv.includes('--full');
const RUNS = Number(process.env.BENCH_RUNS ?? (FULL ? 5 : 3));
const ONLY = process.env.BENCH_ONLY?.split(',');
const CLI = join(here, '..', '..', '..', 'apps', 'cli', 'dist', 'bin.js');
const results: (Result & { target?: string })[] = [];

const want = (k: string) => ONLY === undefined || ONLY.includes(k);

function node(script: string, args: (string | number)[], extra: string[] = []): string {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=12288', ...extra, join(here, script), ...args.map(String)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

function collect(out: string, targets: Record<string, string> = {}): void {
  for (const line of out.split('\n')) {
    if (!line.startsWith('@@RESULT ')) continue;
    const r = JSON.parse(line.slice(9)) as Result;
    const target = Object.entries(targets).find(([k]) => r.name.startsWith(k))?.[1];
    report({ ...r, ...(target ? { target } : {}) });
  }
}

function report(r: Result & { target?: string }): void {
  results.push(r);
  if (r.values.length === 0) {
    console.log(`${r.name.padEnd(44)} (no sample)`);
    return;
  }
  const s = stats(r.values);
  const d = r.unit === 's' ? 2 : r.unit === 'B' || r.unit === 'ms' || r.unit === 'ns/packet' ? 1 : 0;
  const line = `${r.name.padEnd(44)} ${fmt(s.median, d).padStart(12)} ${r.unit.padEnd(10)} [${fmt(s.min, d)} .. ${fmt(s.max, d)}]`;
  console.log(r.target ? `${line}   target ${r.target}` : line);
  if (r.note) console.log(`${''.padEnd(46)}(${r.note})`);
}

console.log(machine());
console.log(`mode: ${FULL ? 'full' : 'quick (BENCH_FULL=1 for full sizes)'}, runs per figure: ${RUNS}\n`);

const realistic = ensurePcap('realistic', {});
const synN = FULL ? 1_000_000 : 200_000;
const synflood = ensurePcap('synflood', { n: synN });
const fillN = FULL ? 1_000_000 : 200_000;
const tablefill = ensurePcap('tablefill', { n: fillN });
const fragmix = ensurePcap('fragmix', { n: FULL ? 200_000 : 20_000 });
const ftpmix = ensurePcap('ftpmix', { n: FULL ? 20_000 : 2_000 });

if (want('path')) {
  console.log('-- full hook path (net.forward), input in memory --');
  collect(node('suite.js', ['path', realistic, RUNS, 'full', 'none']), {
    pps: '≥ 2,000,000 (whole process)',
  });
  collect(node('suite.js', ['path', synflood, RUNS, 'full', 'none']), { 'new conns': '≥ 1,000,000' });
  collect(node('suite.js', ['path', tablefill, RUNS, 'full', 'none']));
  console.log('-- tracker only (nf_conntrack_in + confirm, no hook lists) --');
  collect(node('suite.js', ['path', realistic, RUNS, 'tracker', 'none']), { pps: '≥ 4,000,000' });
  collect(node('suite.js', ['path', synflood, RUNS, 'tracker', 'none']), { 'new conns': '≥ 1,000,000' });
}
if (want('hot')) {
  console.log('-- one hot connection --');
  collect(node('suite.js', ['hot', RUNS, FULL ? 5_000_000 : 2_000_000], ['--max-semi-space-size=64']), {
    pps: '≥ 10,000,000',
    young: '0',
  });
}
if (want('hot')) {
  collect(
    node('suite.js', ['hot', RUNS, FULL ? 5_000_000 : 2_000_000, 'nocsum'], ['--max-semi-space-size=64']),
    { pps: '≥ 10,000,000 (OVS-like: no checksum)', young: '0' },
  );
}
if (want('tcp')) {
  console.log('-- TCP (issue 4) --');
  collect(
    node('suite.js', ['tcp', 'established', RUNS, FULL ? 2_000_000 : 600_000], ['--max-semi-space-size=64']),
    {
      young: '0',
    },
  );
  collect(node('suite.js', ['tcp', 'setup', RUNS, FULL ? 600_000 : 150_000]));
}
if (want('ecache')) {
  console.log('-- ecache: realistic workload, full path --');
  const base = node('suite.js', ['path', realistic, RUNS, 'full', 'ecache']);
  const heard = node('suite.js', ['path', realistic, RUNS, 'full', 'listener']);
  collect(base);
  collect(heard);
  const p = (o: string) =>
    (
      JSON.parse(
        o
          .split('\n')
          .find((l) => l.startsWith('@@RESULT'))!
          .slice(9),
      ) as Result
    ).values;
  const a = p(base);
  const b = p(heard);
  const cost = b.map((x, i) => 1e9 / x - 1e9 / a[i]!);
  report({
    name: 'ecache listener cost',
    unit: 'ns/packet',
    values: cost,
    better: 'lower',
    note: '(1/pps with a listener) − (1/pps, ecache loaded, no listener), run by run',
  });
}
if (want('memory')) {
  console.log('-- memory (heap after gc) --');
  for (const kind of ['udp', 'tcp', 'generic']) {
    collect(node('suite.js', ['memory', kind, 100_000, Math.min(RUNS, 3)]));
    collect(node('suite.js', ['memory', kind, 1_000_000, FULL ? 3 : 1]), { bytes: '≤ 300' });
  }
}
if (want('load')) {
  console.log('-- module load --');
  const imports: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const r = JSON.parse(execFileSync(process.execPath, [join(here, 'load.js')], { encoding: 'utf8' })) as {
      imports: number;
      sinceStart: number;
    };
    imports.push(r.imports);
    start.push(r.sinceStart);
  }
  report({ name: 'load all modules (imports)', unit: 'ms', values: imports, better: 'lower' });
  report({ name: 'process start to modules loaded', unit: 'ms', values: start, better: 'lower' });
}
if (want('replay')) {
  console.log('-- ctrack replay, whole process (/usr/bin/time -v) --');
  if (!existsSync('/usr/bin/time')) {
    console.log(
      '/usr/bin/time is MISSING: install it (apt-get install -y time); whole-process figures skipped',
    );
  } else {
    const wall: number[] = [];
    const rss: number[] = [];
    let packets = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync('/usr/bin/time', ['-v', process.execPath, CLI, 'replay', realistic, '--stats'], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`ctrack replay failed:\n${r.stderr}`);
      const m = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr)!;
      const secs = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
      wall.push(secs);
      rss.push(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]) / 1024);
      packets = Number(/(\d+) packets/.exec(r.stderr)![1]);
    }
    report({
      name: 'ctrack replay realistic: packets/s',
      unit: 'packets/s',
      values: wall.map((s) => packets / s),
      better: 'higher',
      target: '≥ 2,000,000',
    });
    report({
      name: 'ctrack replay realistic: wall',
      unit: 's',
      values: wall,
      better: 'lower',
      note: `${packets} packets, ${realistic}`,
    });
    report({ name: 'ctrack replay realistic: peak RSS', unit: 'MiB', values: rss, better: 'lower' });
  }
}
if (want('frag')) {
  // Half the responses are 2,000..8,000-byte datagrams in 1500-byte fragments: every
  // fragment goes through @ctrack/defrag (copied, queued; the last one reassembles).
  console.log('-- fragment-heavy mix: ctrack replay, whole process --');
  const wall: number[] = [];
  let packets = 0;
  let note = '';
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, 'replay', fragmix, '--stats'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`ctrack replay ${fragmix} failed:\n${r.stderr}`);
    wall.push(secs);
    packets = Number(/(\d+) packets/.exec(r.stderr)![1]);
    const invalid = /invalid=(\d+)/.exec(r.stdout)?.[1] ?? '?';
    note = `${packets} packets, ${/(\d+) flow entries/.exec(r.stderr)?.[1] ?? '?'} flow entries, invalid=${invalid} (0: no fragment reached conntrack), ${fragmix}`;
  }
  report({
    name: 'ctrack replay fragmix: packets/s',
    unit: 'packets/s',
    values: wall.map((s) => packets / s),
    better: 'higher',
    note,
  });
  report({ name: 'ctrack replay fragmix: wall', unit: 's', values: wall, better: 'lower' });
}
if (want('ftp')) {
  // Every session: the FTP helper parses the control conn (PASV/227 or PORT), creates an
  // expectation, and the data conn's SYN matches it (RELATED, IPEXP_NEW + IPEXP_DESTROY).
  console.log('-- FTP mix: ctrack replay --helper ftp, whole process --');
  const check = spawnSync(process.execPath, [CLI, 'replay', ftpmix, '--helper', 'ftp', '--events'], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (check.status !== 0) throw new Error(`ctrack replay ${ftpmix} --helper ftp failed:\n${check.stderr}`);
  const expNew = (check.stdout.match(/^ {4}\[NEW\] 300 proto=6 /gm) ?? []).length;
  const expDestroy = (check.stdout.match(/^\[DESTROY\] \d+ proto=6 /gm) ?? []).length;
  const wall: number[] = [];
  let packets = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, 'replay', ftpmix, '--helper', 'ftp', '--stats'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`ctrack replay ${ftpmix} failed:\n${r.stderr}`);
    wall.push(secs);
    packets = Number(/(\d+) packets/.exec(r.stderr)![1]);
  }
  report({
    name: 'ctrack replay ftpmix: packets/s',
    unit: 'packets/s',
    values: wall.map((s) => packets / s),
    better: 'higher',
    note: `${packets} packets, ${expNew} expectations created, ${expDestroy} matched/removed (one per session expected), ${ftpmix}`,
  });
  report({ name: 'ctrack replay ftpmix: wall', unit: 's', values: wall, better: 'lower' });
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: here }).trim();
} catch {}
writeFileSync(
  join(OUT_DIR, 'results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), commit, machine: machine(), full: FULL, runs: RUNS, results }, null, 1)}\n`,
);
console.log(`\nresults: ${join(OUT_DIR, 'results.json')}`);
