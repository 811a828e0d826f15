#!/usr/bin/env node
// docs-check: ignore-file (it names the old citation forms it rewrites)
/**
 * The mechanical pass that points citations at this repository's docs/: `core.md §4` becomes
 * `docs/core.md §4`, `spec/tcp.md` and "spec `ftp.md`" become `docs/…`, and the design notes
 * become docs/architecture.md. Safe to re-run (already rewritten citations are left alone).
 * Usage: node tooling/docs-check/bin/rewrite-citations.mjs [--dry-run]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const dry = process.argv.includes('--dry-run');
const DOCS = [
  'core',
  'tcp',
  'udp-icmp-generic',
  'ecache',
  'expect',
  'ftp',
  'defrag',
  'formats',
  'sysctl',
  'registration',
];
const names = DOCS.join('|');

const RULES = [
  [new RegExp(`\\bspec/(${names})\\.md`, 'g'), 'docs/$1.md'],
  [new RegExp(`\\bspec \`(${names})\\.md\``, 'g'), '`docs/$1.md`'],
  [new RegExp(`\\bspec (${names})\\.md`, 'g'), 'docs/$1.md'],
  [new RegExp(`(?<![\\w/.-])(${names})\\.md(?![\\w])`, 'g'), 'docs/$1.md'],
  [/(?<![\w/.-])DESIGN\.md(?![\w])/g, 'docs/architecture.md'],
];
const CHECKED = /\.(?:[cm]?[jt]sx?|py|sh|md|json)$/;
const SKIPPED = [
  /(^|\/)node_modules\//,
  /(^|\/)dist\//,
  /^docs\//,
  /^tooling\/conformance\/fixtures\//,
  /^tooling\/docs-check\//,
];

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter(
    (f) => f !== '' && CHECKED.test(f) && !SKIPPED.some((re) => re.test(f)) && existsSync(join(root, f)),
  );

let total = 0;
for (const f of files) {
  const before = readFileSync(join(root, f), 'utf8');
  let after = before;
  let n = 0;
  for (const [re, to] of RULES) {
    after = after.replace(re, (...m) => {
      n++;
      return to.replace('$1', m[1]);
    });
  }
  if (n > 0) {
    total += n;
    console.log(`${String(n).padStart(4)}  ${f}`);
    if (!dry) writeFileSync(join(root, f), after);
  }
}
console.log(`${total} citation(s) ${dry ? 'would be ' : ''}rewritten`);
