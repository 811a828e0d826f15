// docs-check: ignore-file (the checker spells out the citation forms it rejects)
/**
 * Citation checking: every `something.md` a source or documentation file mentions must be a file
 * of this repository, every `§N.M` cited after it must be a heading of that file, a heading named
 * in quotes right after it (`sysctl.md "Core"`) must occur in it, and nothing may point outside the
 * repository (the reference material the project was built from is not shipped with it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

export interface Citation {
  /** Repository-relative path of the citing file. */
  readonly file: string;
  /** 1-based line of the citation. */
  readonly line: number;
  /** The .md path as written (`docs/tcp.md`, `README.md`, `tcp.md`). */
  readonly target: string;
  /** Section numbers cited after it (`§6.4–6.9` gives 6.4 and 6.9). */
  readonly sections: readonly string[];
  /** A quoted heading right after it (`sysctl.md "Core"`), if any. */
  readonly quote: string | null;
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** A file that opts out (it quotes bad citations on purpose, e.g. this package's tests). */
export const IGNORE_MARK = ['docs-check', 'ignore-file'].join(': ');

const MD_PATH = /(?:[\w.@:-]+\/)*[\w.@-]+\.md(?![\w])/g;
const SECTION_NUM = String.raw`\d+(?:\.\d+)*`;
const SECTIONS_AFTER = new RegExp(
  String.raw`^\`?\s*:?\s*§\s*(${SECTION_NUM})((?:\s*(?:,\s*§|[–/-]\s*§?|\s+and\s+§)\s*${SECTION_NUM})*)`,
);
const QUOTE_AFTER = /^`?\s*:?\s*"([^"\n]{2,80})"/;
const MORE_NUMS = new RegExp(SECTION_NUM, 'g');

/** Paths that point outside the repository, to the reference material or a machine's layout. */
const OUTSIDE = [
  { re: /\.\.\/shared\b/, what: '../shared' },
  { re: /\/work\/(?:shared|notes|main|wt)\b/, what: 'a path of the build machine' },
  { re: /(?:^|[\s(`'"[])spec\/[\w.-]*/, what: 'spec/ (not in this repository)' },
  { re: /(?:^|[\s(`'"[])spec\s+`?[\w-]+\.md/, what: 'the spec files (not in this repository)' },
];

const lineOf = (text: string, index: number): number => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

/** All .md citations in one file's text. */
export function findCitations(file: string, text: string): Citation[] {
  const out: Citation[] = [];
  for (const m of text.matchAll(MD_PATH)) {
    const target = m[0];
    const at = m.index ?? 0;
    if (isUrl(text, at)) continue;
    const rest = text.slice(at + target.length, at + target.length + 160);
    const sec = SECTIONS_AFTER.exec(rest);
    const sections = sec ? [sec[1], ...(sec[2].match(MORE_NUMS) ?? [])] : [];
    const q = sec ? null : QUOTE_AFTER.exec(rest);
    out.push({ file, line: lineOf(text, at), target, sections, quote: q ? q[1] : null });
  }
  return out;
}

function isUrl(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const before = text.slice(lineStart, at);
  return /[a-z]+:\/\/\S*$/i.test(before);
}

/** Lines that point outside the repository. */
export function findOutsidePaths(file: string, text: string): Problem[] {
  const out: Problem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const { re, what } of OUTSIDE) {
      if (re.test(lines[i])) out.push({ file, line: i + 1, message: `cites ${what}: ${lines[i].trim()}` });
    }
  }
  return out;
}

/** Section numbers of a markdown file: headings such as `## 6. Title` or `### 6.4 Title`. */
export function headingSections(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)) out.add(m[1]);
  return out;
}

/**
 * Where a cited path points: a bare name (`README.md`) is the nearest such file in the citing
 * file's folder or a folder above it; a path with a folder is relative to the citing file, else
 * to the repository root. Null when neither exists or it leaves the repository.
 */
export function resolveTarget(root: string, citingFile: string, target: string): string | null {
  const candidates: string[] = [];
  let dir = dirname(citingFile);
  candidates.push(join(dir, target));
  if (!target.includes('/')) {
    while (dir !== '.' && dir !== '') {
      dir = dirname(dir);
      candidates.push(join(dir, target));
    }
  } else {
    candidates.push(target);
  }
  for (const c of candidates) {
    const rel = normalize(c);
    if (rel.startsWith(`..${sep}`) || rel === '..') continue;
    if (existsSync(join(root, rel))) return rel;
  }
  return null;
}

/** Every problem in the given repository-relative files. */
export function checkFiles(root: string, files: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const headings = new Map<string, Set<string>>();
  const textOf = new Map<string, string>();
  const read = (rel: string): string => {
    let t = textOf.get(rel);
    if (t === undefined) {
      t = readFileSync(join(root, rel), 'utf8');
      textOf.set(rel, t);
    }
    return t;
  };
  for (const file of files) {
    const text = read(file);
    if (text.includes(IGNORE_MARK)) continue;
    problems.push(...findOutsidePaths(file, text));
    for (const c of findCitations(file, text)) problems.push(...checkCitation(root, c, read, headings));
  }
  return problems;
}

function checkCitation(
  root: string,
  c: Citation,
  read: (rel: string) => string,
  headings: Map<string, Set<string>>,
): Problem[] {
  const resolved = resolveTarget(root, c.file, c.target);
  if (resolved === null) {
    const hint = c.target.includes('/') ? '' : ` (behaviour reference: docs/${c.target}?)`;
    return [
      { file: c.file, line: c.line, message: `cites ${c.target}, which is not in the repository${hint}` },
    ];
  }
  const out: Problem[] = [];
  if (c.sections.length > 0) {
    let have = headings.get(resolved);
    if (have === undefined) {
      have = headingSections(read(resolved));
      headings.set(resolved, have);
    }
    for (const s of c.sections) {
      if (!have.has(s))
        out.push({ file: c.file, line: c.line, message: `cites ${c.target} §${s}: no such section` });
    }
  }
  if (c.quote !== null && !read(resolved).toLowerCase().includes(c.quote.toLowerCase())) {
    out.push({
      file: c.file,
      line: c.line,
      message: `cites ${c.target} "${c.quote}": not found in ${resolved}`,
    });
  }
  return out;
}

/** Repository-relative path with forward slashes. */
export const repoRelative = (root: string, abs: string): string => relative(root, abs).split(sep).join('/');
