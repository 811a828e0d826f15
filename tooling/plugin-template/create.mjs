#!/usr/bin/env node
/**
 * `pnpm create-plugin helper-foo [--dir DIR]`: copy this template to DIR/helper-foo
 * (default: packages/ of the workspace) as the package @ctrack/helper-foo, with the
 * sample helper's names replaced: "example" → "foo", Example → Foo, EXAMPLE → FOO,
 * nf_conntrack_example → nf_conntrack_foo. Then `pnpm install` links it.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = dirname(fileURLToPath(import.meta.url));
/** What a new plugin gets (not node_modules, dist, this script or the template's own tests). */
const COPY = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'vitest.config.ts', 'README.md', 'src'];

function usage(msg) {
  process.stderr.write(`create-plugin: ${msg}\nusage: pnpm create-plugin helper-NAME [--dir DIR]   (NAME: a-z0-9, starting with a letter)\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let pkg = null;
  let dir = join(TEMPLATE, '..', '..', 'packages');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') {
      if (argv[i + 1] === undefined) usage('--dir needs a directory');
      dir = resolve(argv[++i]);
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (pkg === null) pkg = a;
    else usage(`unexpected argument ${a}`);
  }
  if (pkg === null) usage('missing the package name');
  const m = /^(?:@ctrack\/)?helper-([a-z][a-z0-9]*)$/.exec(pkg);
  if (m === null) usage(`"${pkg}" is not helper-NAME`);
  return { dirName: `helper-${m[1]}`, name: m[1], dir };
}

/** The template's text with the sample's names replaced by the new plugin's. */
export function substitute(text, dirName, name) {
  const pascal = name[0].toUpperCase() + name.slice(1);
  return text
    .replace(/^ {2}"private": true,\n/m, '')
    .replaceAll('@ctrack/plugin-template', `@ctrack/${dirName}`)
    .replaceAll('tooling/plugin-template', `packages/${dirName}`)
    .replaceAll('plugin-template', dirName)
    .replace(/<!-- template-only -->[\s\S]*?<!-- \/template-only -->\n*/g, '')
    .replaceAll('EXAMPLE', name.toUpperCase())
    .replaceAll('Example', pascal)
    .replaceAll('example', name);
}

function files(root) {
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function main() {
  const { dirName, name, dir } = parseArgs(process.argv.slice(2));
  const out = join(dir, dirName);
  if (existsSync(out)) usage(`${out} already exists`);
  mkdirSync(out, { recursive: true });
  for (const f of COPY) cpSync(join(TEMPLATE, f), join(out, f), { recursive: true });
  for (const f of files(out)) {
    const text = readFileSync(f, 'utf8');
    const next = substitute(text, dirName, name);
    if (next !== text) writeFileSync(f, next);
  }
  process.stdout.write(
    `created @ctrack/${dirName} in ${relative(process.cwd(), out) || '.'}\n` +
      `next: pnpm install && pnpm --filter @ctrack/${dirName} test\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
