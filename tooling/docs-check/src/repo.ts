/** The repository's files that can carry citations: sources, scripts and documentation. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const CHECKED = /\.(?:[cm]?[jt]sx?|py|sh|md|json)$/;
const SKIPPED = [
  /(^|\/)node_modules\//,
  /(^|\/)dist\//,
  /^tooling\/conformance\/fixtures\//,
  /pnpm-lock\.yaml$/,
];

/** The folder holding pnpm-workspace.yaml, at or above `from`. */
export function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = up;
  }
  return dir;
}

/** Tracked and new (not ignored) files, repository-relative, that the citation rules apply to. */
export function citingFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\0')
    .filter((f) => f !== '' && CHECKED.test(f) && !SKIPPED.some((re) => re.test(f)))
    .filter((f) => existsSync(join(root, f)));
}
