// Child processes for the release checks. Always asynchronous: the registry the round
// trip installs from runs in this process and must keep answering while npm waits on it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './workspace.mjs';
/** The workspace's own tools (pnpm, turbo, changeset) first on PATH. */
export const TOOLS_PATH = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
export function run(cmd, args, opts) {
    const env = { ...process.env, PATH: TOOLS_PATH, FORCE_COLOR: '0', NO_COLOR: '1', ...opts.env };
    return new Promise((resolvePromise, reject) => {
        execFile(cmd, args, { cwd: opts.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            if (code !== 0 && !opts.allowFailure) {
                reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${code}\n${stdout}\n${stderr}`.trim()));
                return;
            }
            resolvePromise({ code, stdout, stderr });
        });
    });
}
/**
 * Build every public package through turbo (cache hits when nothing changed). turbo's
 * `test` task only builds a package's own dependencies, and this package lists none: it
 * finds the public packages at run time, so a package added later is built and checked too.
 */
export async function buildPublicPackages(names) {
    const filters = names.flatMap((n) => ['--filter', n]);
    await run('turbo', ['run', 'build', ...filters, '--output-logs=errors-only'], { cwd: ROOT });
}
