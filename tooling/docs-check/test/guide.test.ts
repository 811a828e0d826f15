/**
 * The plugin author's guide (docs/plugin-guide.md) stays true: every TypeScript block is
 * compiled against this workspace's packages, the blocks marked `run` are executed (they
 * assert what the guide says happens), and every JSON block parses.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractSnippets, repoRoot } from '../src/index.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = repoRoot(pkg);
const GUIDE = 'docs/plugin-guide.md';
const snippets = extractSnippets(readFileSync(join(root, GUIDE), 'utf8'));
const ts = snippets.filter((s) => s.lang === 'ts' || s.lang === 'typescript');
const out = join(pkg, '.snippets');

describe(GUIDE, () => {
  it('marks every TypeScript block as checked (first line `// file=NAME.ts`)', () => {
    expect(ts.length).toBeGreaterThan(0);
    expect(ts.filter((s) => s.file === null).map((s) => `${GUIDE}:${s.line}`)).toEqual([]);
  });

  it('has JSON blocks that parse', () => {
    for (const s of snippets.filter((x) => x.lang === 'json')) {
      expect(() => JSON.parse(s.code), `${GUIDE}:${s.line}`).not.toThrow();
    }
  });

  it('has TypeScript blocks that typecheck against the workspace', () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const s of ts) writeFileSync(join(out, s.file!), s.code);
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({ extends: '@ctrack/tsconfig/base.json', include: ['*.ts'] }),
    );
    const tsc = join(pkg, 'node_modules', '.bin', 'tsc');
    let report = '';
    try {
      execFileSync(tsc, ['-p', join(out, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    } catch (e) {
      report = String((e as { stdout?: string }).stdout ?? e);
    }
    // Name the guide's line for each error: `.snippets/x.ts(3,5)` is line 3 of block x.
    const where = (m: string) => {
      const s = ts.find((b) => b.file === m);
      return s ? `${GUIDE}:${s.line} (${m})` : m;
    };
    expect(report.replace(/\.snippets\/([\w.-]+\.ts)/g, (_, f: string) => where(f)).trim()).toBe('');
  });

  for (const s of ts.filter((b) => b.run)) {
    it(`runs ${s.file} (${GUIDE}:${s.line})`, async () => {
      await import(pathToFileURL(join(out, s.file!)).href);
    });
  }
});
