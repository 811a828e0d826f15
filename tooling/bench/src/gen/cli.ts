#!/usr/bin/env node
/**
 * Workload generator:
 *   node dist/gen/cli.js realistic [--tcp 80000] [--udp 20000] [--open 1000] [--gap-us 2] [--seed 1] [-o file]
 *   node dist/gen/cli.js synflood|tablefill|fragmix|ftpmix [--n N] [--seed 1] [-o file]
 * Without -o the file goes to tooling/bench/out/ with the arguments in its name.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { build, fileName, type WorkloadArgs, type WorkloadName } from './files.js';

const NAMES: WorkloadName[] = ['realistic', 'synflood', 'tablefill', 'fragmix', 'ftpmix'];
const USAGE = `usage: gen <${NAMES.join('|')}> [--tcp N --udp N --open N --gap-us N | --n N] [--seed N] [-o file]\n`;
/** Bad arguments: the reason and the usage on stderr, status 2 (never a stack trace). */
function usageError(why: string): never {
  process.stderr.write(`gen: ${why}\n${USAGE}`);
  process.exit(2);
}
let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: typeof OPTIONS }>>;
const OPTIONS = {
  tcp: { type: 'string' },
  udp: { type: 'string' },
  open: { type: 'string' },
  'gap-us': { type: 'string' },
  n: { type: 'string' },
  seed: { type: 'string' },
  o: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
try {
  parsed = parseArgs({ allowPositionals: true, options: OPTIONS });
} catch (e) {
  usageError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const name = positionals[0] as WorkloadName;
if (!NAMES.includes(name)) usageError(positionals[0] === undefined ? 'no workload named' : `unknown workload "${name}"`);
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const args: WorkloadArgs = {
  tcp: num(values.tcp),
  udp: num(values.udp),
  open: num(values.open),
  gapUs: num(values['gap-us']),
  n: num(values.n),
  seed: num(values.seed),
};
const t0 = performance.now();
const out = build(name, args);
const file = values.o ?? fileName(name, args);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, out.bytes());
console.log(
  `${file}: ${out.packets} packets, ${(out.len / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
