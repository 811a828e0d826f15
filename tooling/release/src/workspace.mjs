// docs-check: ignore-file (names the per-package changelog file, which is not a citation)
// The public workspace packages and what each published manifest owes its users.
// Shared by bin/sync-manifests.mjs (writes it) and the tests (check it), so a package
// added later (a new helper, l3 or l4) is enumerated and held to the same rules.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** One URL for the project, used by every manifest (repository, homepage, bugs). */
export const REPO_URL = 'https://github.com/ctrack/ctrack';

/** Node versions a published package supports: the root package.json's engines. */
export const NODE_ENGINE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;

/** Workspace export condition that points at src/ (resolved only inside the repository). */
export const SOURCE_CONDITION = '@ctrack/source';

/**
 * What a tarball ships: the compiled code, and the sources its source maps point at
 * (tsconfig.build.json leaves tests, benches and test-support out of dist, so they stay
 * out of the tarball too). README and LICENSE are always packed; CHANGELOG.md is not unless listed.
 */
export const FILES = [
  'dist',
  'src',
  'CHANGELOG.md',
  '!src/**/*.test.ts',
  '!src/**/*.bench.ts',
  '!src/test-support',
];

const COMMON_KEYWORDS = ['conntrack', 'netfilter', 'connection-tracking', 'ctrack'];

/** Globs of pnpm-workspace.yaml, of the simple "dir/*" form this repository uses. */
function workspaceDirs() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*["']?([^"'\n]+)["']?\s*$/gm)].map((m) => m[1]);
  const dirs = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) throw new Error(`pnpm-workspace.yaml: unsupported glob ${glob}`);
    const parent = glob.slice(0, -2);
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(`${parent}/${entry.name}`);
    }
  }
  return dirs.sort();
}

/**
 * Every workspace package that is published: has a package.json, is not private.
 * @returns {{ name: string, version: string, dir: string, relDir: string, manifest: any }[]}
 */
export function publicPackages() {
  const out = [];
  for (const relDir of workspaceDirs()) {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(ROOT, relDir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    out.push({ name: manifest.name, version: manifest.version, dir: join(ROOT, relDir), relDir, manifest });
  }
  return out;
}

/** `exports` with the workspace-only condition removed, for publishConfig.exports. */
export function publishedExports(exportsField) {
  if (typeof exportsField !== 'object' || exportsField === null) return exportsField;
  const out = {};
  for (const [key, value] of Object.entries(exportsField)) {
    if (key === SOURCE_CONDITION) continue;
    out[key] = publishedExports(value);
  }
  return out;
}

/** The metadata fields a public package's manifest must carry, for the package in relDir. */
export function expectedMetadata(relDir, manifest) {
  const short = manifest.name.replace(/^@ctrack\//, '');
  const own = short.split('-').filter((w) => w.length > 1);
  return {
    repository: { type: 'git', url: `git+${REPO_URL}.git`, directory: relDir },
    homepage: `${REPO_URL}/tree/main/${relDir}#readme`,
    bugs: { url: `${REPO_URL}/issues` },
    keywords: manifest.keywords?.length ? manifest.keywords : [...COMMON_KEYWORDS, ...own],
    engines: { node: NODE_ENGINE },
    files: FILES,
    publishConfig: { access: 'public', exports: publishedExports(manifest.exports) },
  };
}
