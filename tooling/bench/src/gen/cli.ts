#!/usr/bin/env node
/**
 * Workload generator:
 *   node dist/gen/cli.js realistic [--tcp 80000] [--udp 20000] [--open 1000] [--gap-us 2] [--seed 1] [-o file]
 *   node dist/gen/cli.js synflood|tablefill|fragmix|ftpmix [--n N] [--seed 1] [-o file]
 * Without -o the file goes to tooling/bench/out/ with the arguments in its name.
 * --help prints the usage (status 0); bad arguments print the reason and the usage on
 * stderr (status 2), never a stack trace.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseGenArgs, USAGE } from './args.js';
import { build, fileName } from './files.js';

const cmd = parseGenArgs(process.argv.slice(2));
if (cmd.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (cmd.kind === 'usage-error') {
  process.stderr.write(`gen: ${cmd.message}\n${USAGE}`);
  process.exit(2);
}
const t0 = performance.now();
const out = build(cmd.name, cmd.args);
const file = cmd.out ?? fileName(cmd.name, cmd.args);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, out.bytes());
console.log(
  `${file}: ${out.packets} packets, ${(out.len / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
