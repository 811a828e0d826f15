// docs-check: ignore-file (this file quotes bad citations on purpose)
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFiles, citingFiles, findCitations, headingSections, repoRoot } from '../src/index.js';

const root = repoRoot(dirname(fileURLToPath(import.meta.url)));

describe('citations in this repository', () => {
  it('every cited .md file and section exists here, and nothing cites a path outside the repository', () => {
    const files = citingFiles(root);
    expect(files.length).toBeGreaterThan(50);
    const problems = checkFiles(root, files).map((p) => `${p.file}:${p.line}: ${p.message}`);
    expect(problems).toEqual([]);
  });

  it('the behaviour reference exists with its index', () => {
    const files = citingFiles(root);
    for (const f of [
      'README',
      'core',
      'tcp',
      'udp-icmp-generic',
      'registration',
      'sysctl',
      'expect',
      'ftp',
    ]) {
      expect(files).toContain(`docs/${f}.md`);
    }
  });
});

describe('the citation parser', () => {
  it('reads section lists, ranges and quoted headings', () => {
    const text = [
      '// tcp_in_window (docs/tcp.md §7.4, §6.5)',
      '/** docs/tcp.md §6.4–6.9 and docs/defrag.md §1-§2 and docs/tcp.md §8.1/8.2. */',
      'describe(\'sysctls (docs/sysctl.md "Core")\'',
      '* see `docs/core.md` §3.',
    ].join('\n');
    const cs = findCitations('x.ts', text).map((c) => [c.line, c.target, c.sections.join(' '), c.quote]);
    expect(cs).toEqual([
      [1, 'docs/tcp.md', '7.4 6.5', null],
      [2, 'docs/tcp.md', '6.4 6.9', null],
      [2, 'docs/defrag.md', '1 2', null],
      [2, 'docs/tcp.md', '8.1 8.2', null],
      [3, 'docs/sysctl.md', '', 'Core'],
      [4, 'docs/core.md', '3', null],
    ]);
  });

  it('finds numbered headings only', () => {
    expect([...headingSections('# T\n## 1. A\n### 1.2 B\n## Notes\n#### 10.3.1 C\n')]).toEqual([
      '1',
      '1.2',
      '10.3.1',
    ]);
  });

  it('ignores URLs', () => {
    expect(findCitations('x.md', 'see https://example.org/a/README.md here')).toEqual([]);
  });
});

describe('the rules, on a scratch repository', () => {
  const scratch = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
    for (const [p, t] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), t);
    }
    return dir;
  };
  const doc = '# Core\n## 3. Table\n### 3.1 Size\n## 4. Status\n';
  const check = (src: string) => {
    const dir = scratch({ 'docs/core.md': doc, 'packages/a/src/x.ts': src, 'packages/a/README.md': '# a\n' });
    return checkFiles(dir, ['packages/a/src/x.ts']).map((p) => p.message);
  };

  it('accepts a citation of an existing file and section', () => {
    expect(check('// docs/core.md §3.1, §4\n// see README.md')).toEqual([]);
  });
  it('rejects a missing section', () => {
    expect(check('// docs/core.md §5')).toEqual(['cites docs/core.md §5: no such section']);
  });
  it('rejects a bare spec name that is not a file here', () => {
    expect(check('// core.md §3')).toEqual([
      'cites core.md, which is not in the repository (behaviour reference: docs/core.md?)',
    ]);
  });
  it('rejects paths outside the repository', () => {
    expect(check('// see ../shared/spec/core.md')).toEqual([
      'cites ../shared: // see ../shared/spec/core.md',
      'cites ../shared/spec/core.md, which is not in the repository',
    ]);
    expect(check('// (spec defrag.md)').some((m) => m.includes('spec files'))).toBe(true);
  });
  it('rejects a quoted heading that is not in the file', () => {
    expect(check('// docs/core.md "Expiry"')).toEqual([
      'cites docs/core.md "Expiry": not found in docs/core.md',
    ]);
  });
});
