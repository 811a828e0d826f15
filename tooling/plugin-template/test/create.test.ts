/**
 * `pnpm create-plugin helper-NAME` (create.mjs): the copy it makes in a temporary
 * directory has the new names everywhere, typechecks, and its copied tests pass
 * (its node_modules is this template's: the same dependencies).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const TEMPLATE = fileURLToPath(new URL('..', import.meta.url));
const CREATE = join(TEMPLATE, 'create.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ctrack-create-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string): string[] {
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    if (f === 'node_modules') return [];
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('pnpm create-plugin', () => {
  it('creates @ctrack/helper-zap from the template; it typechecks and its tests pass', async () => {
    const r = await exec(process.execPath, [CREATE, 'helper-zap', '--dir', dir]);
    expect(r.stdout).toContain('created @ctrack/helper-zap');
    const out = join(dir, 'helper-zap');
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.name).toBe('@ctrack/helper-zap');
    expect(pkg.private).toBeUndefined();
    // The template's own peer ranges (the release policy's), on core and expect only.
    const template = JSON.parse(readFileSync(join(TEMPLATE, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(pkg.peerDependencies as object)).toEqual(['@ctrack/core', '@ctrack/expect']);
    expect(pkg.peerDependencies).toEqual(template.peerDependencies);
    const names = files(out)
      .map((f) => f.slice(out.length + 1))
      .sort();
    expect(names).toEqual([
      'README.md',
      'package.json',
      'src/helper.test.ts',
      'src/helper.ts',
      'src/index.ts',
      'src/module.ts',
      'tsconfig.build.json',
      'tsconfig.json',
      'vitest.config.ts',
    ]);
    for (const f of files(out)) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/example|Example|EXAMPLE|plugin-template|template-only/);
    }
    const helper = readFileSync(join(out, 'src', 'helper.ts'), 'utf8');
    expect(helper).toContain('export function zapHelper(port = ZAP_PORT');
    expect(readFileSync(join(out, 'src', 'module.ts'), 'utf8')).toContain("name: 'nf_conntrack_zap'");

    symlinkSync(join(TEMPLATE, 'node_modules'), join(out, 'node_modules'), 'dir');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await exec(process.execPath, [tsc, '-p', join(out, 'tsconfig.json')], { cwd: out });
    const vitest = join(TEMPLATE, 'node_modules', 'vitest', 'vitest.mjs');
    const t = await exec(process.execPath, [vitest, 'run', '--root', out], { cwd: out });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colour codes of vitest's report
    expect(t.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests +4 passed/);
  }, 300_000);

  it('refuses a bad name or an existing directory (exit status 2)', async () => {
    for (const args of [['foo'], ['helper-Bad'], ['helper-zap', '--dir', dir]]) {
      const e = (await exec(process.execPath, [CREATE, ...args]).catch((x: unknown) => x)) as {
        code?: number;
        stderr?: string;
      };
      expect(e.code, args.join(' ')).toBe(2);
      expect(e.stderr).toMatch(/^create-plugin: /);
    }
  }, 60_000);
});
