import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * vitest globalSetup: compile the CLI once into node_modules/.cache (inside the package,
 * so `@ctrack/*` resolve to the built workspace packages) for the tests that run
 * `ctrack` as a real process: pipes, FIFOs, /dev/stdin, a slow reader on stdout.
 */
export const CLI_BIN_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'ctrack-cli-test');

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = join(import.meta.dirname, '..', '..', 'tsconfig.build.json');
  execFileSync(
    process.execPath,
    [
      tsc,
      '-p',
      project,
      '--outDir',
      CLI_BIN_DIR,
      '--declaration',
      'false',
      '--declarationMap',
      'false',
      '--sourceMap',
      'false',
      '--incremental',
      'false',
    ],
    { stdio: 'inherit' },
  );
}
