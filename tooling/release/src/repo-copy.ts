// The round trip versions and publishes a copy of the repository, never the checkout:
// `changeset version` rewrites manifests and changelogs.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { run } from './run.js';
import { ROOT } from './workspace.mjs';

/** Copy every file git would see (tracked, or new and not ignored) into dest. */
export async function copyRepository(dest: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
  });
  for (const rel of stdout.split('\0')) {
    if (!rel || !existsSync(join(ROOT, rel))) continue; // deleted but not yet staged
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    cpSync(join(ROOT, rel), join(dest, rel));
  }
}

/**
 * turbo's local cache of the checkout (git worktrees share the main worktree's), so the
 * copy's `turbo run build` restores dist/ from the builds `pnpm test` just made.
 */
export async function turboCacheDir(): Promise<string> {
  const { stdout } = await run('git', ['rev-parse', '--git-common-dir'], { cwd: ROOT });
  const gitDir = stdout.trim();
  const common = isAbsolute(gitDir) ? gitDir : resolve(ROOT, gitDir);
  return join(dirname(common), '.turbo', 'cache');
}
